package kiosk

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"gocv.io/x/gocv"

	"clockface/enroll"
	"clockface/kiosk/camera"
)

// EnrolFrames is a video file or a camera as enroll.Frames: each frame
// JPEG-encoded, labelled by its number. It owns the source and its frame
// buffer; Close releases both.
type EnrolFrames struct {
	src camera.Source
	m   gocv.Mat
	ok  bool // m is allocated
	n   int
}

// OpenEnrolFrames opens the video file, or camera number device when
// video is "".
func OpenEnrolFrames(video string, device int) (*EnrolFrames, error) {
	var src camera.Source
	var err error
	if video != "" {
		src, err = camera.OpenVideo(video)
	} else {
		src, err = camera.OpenDevice(device)
	}
	if err != nil {
		return nil, err
	}
	return &EnrolFrames{src: src}, nil
}

// Next is the source's next frame; io.EOF at the end of a video.
func (c *EnrolFrames) Next(ctx context.Context) (enroll.Frame, error) {
	if !c.ok {
		c.m, c.ok = gocv.NewMat(), true
	}
	i := c.n
	c.n++
	if err := c.src.Read(&c.m); err != nil {
		if errors.Is(err, io.EOF) {
			return enroll.Frame{}, io.EOF
		}
		return enroll.Frame{}, fmt.Errorf("frame %d: %w", i, err)
	}
	buf, err := gocv.IMEncode(gocv.JPEGFileExt, c.m)
	if err != nil {
		return enroll.Frame{}, fmt.Errorf("encode frame %d: %w", i, err)
	}
	defer buf.Close()
	return enroll.Frame{Label: fmt.Sprintf("frame %d", i), JPEG: bytes.Clone(buf.GetBytes())}, nil
}

// Close frees the frame buffer and closes the source.
func (c *EnrolFrames) Close() {
	if c.ok {
		c.m.Close()
		c.ok = false
	}
	c.src.Close()
}
