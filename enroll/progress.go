package enroll

import (
	"fmt"
	"io"

	"github.com/schollz/progressbar/v3"
)

// Progress is an Observer that prints a capture's progress for the person
// running it. On a terminal it redraws one bar in place; anywhere else (a
// log, a pipe, a file) it prints one line per step and never a '\r'.
type Progress struct {
	w      io.Writer
	title  string
	locale string
	bar    *progressbar.ProgressBar // nil when not a terminal
}

// progressBarWidth is the bar's width in characters on a terminal.
const progressBarWidth = 30

// NewProgress prints progress on w: a bar when terminal is true, lines
// otherwise. title names the enrolment ("enrol E100"); rejection reasons
// are worded in locale.
func NewProgress(w io.Writer, terminal bool, title, locale string, samples int) *Progress {
	p := &Progress{w: w, title: title, locale: locale}
	if terminal {
		p.bar = progressbar.NewOptions(samples,
			progressbar.OptionSetWriter(w),
			progressbar.OptionSetDescription(title),
			progressbar.OptionShowCount(),
			progressbar.OptionSetWidth(progressBarWidth),
			progressbar.OptionSetPredictTime(false),
		)
		_ = p.bar.RenderBlank()
	}
	return p
}

// Accepted shows one more sample taken.
func (p *Progress) Accepted(label string, fb Feedback) {
	if p.bar != nil {
		_ = p.bar.Set(fb.Progress)
		return
	}
	fmt.Fprintf(p.w, "%s: %s: sample taken (%d/%d)\n", p.title, label, fb.Progress, fb.Of)
}

// Rejected says why a frame was not taken.
func (p *Progress) Rejected(label string, fb Feedback) {
	if p.bar != nil {
		_ = p.bar.Clear()
	}
	fmt.Fprintf(p.w, "%s: %s\n", label, fb.Reason.Text(p.locale))
	if p.bar != nil {
		_ = p.bar.RenderBlank()
	}
}

// Done ends the bar's line on a terminal; lines need nothing.
func (p *Progress) Done() {
	if p.bar != nil {
		_ = p.bar.Finish()
		fmt.Fprintln(p.w)
	}
}
