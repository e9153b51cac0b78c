package embeddings

import "fmt"

// dlib ResNet (dlib_face_recognition_resnet_model_v1, Euclidean distance
// between 128-d descriptors). Measured on the test media; see
// BENCHMARKS.md "Matching thresholds" for the distributions and the ROC.
const (
	// dlibVersion is the SHA-256 prefix of the weights these were measured on.
	dlibVersion = "55533b28a958"
	// dlibAccept is the largest distance that punches. The closest
	// impostor pair measured was 0.538 (a mother and her daughter in one
	// photo); the closest two different men 0.574. 0.42 leaves 0.12 of
	// headroom for galleries larger and faces more alike than the test
	// media, and still accepts 97.7% of genuine pairs (92.7% of franck's
	// stills, 98.6% of webcam frames, 51.7% of the bald men's press photos
	// taken years apart).
	dlibAccept = 0.42
	// dlibReview bounds the "plausible, ask for the PIN" band. Above it
	// nearly every measured pair is an impostor (99.6% of genuine pairs are
	// under 0.50; one impostor pair in 7,666 is under 0.55).
	dlibReview = 0.55
	// dlibMargin is how much farther the runner-up must be for a 1:N
	// accept. The smallest margin of a correct answer measured was 0.086;
	// a probe between two enrolled look-alikes goes to review instead.
	dlibMargin = 0.10
)

// ThresholdsFor returns the calibrated thresholds of a model. A model (or
// a version of its weights) that was never calibrated is an error, not a
// guess.
func ThresholdsFor(m Model) (Thresholds, error) {
	switch {
	case m.Name == "dlib" && m.Version == dlibVersion:
		return Thresholds{Accept: dlibAccept, Review: dlibReview, Margin: dlibMargin}, nil
	case m.Name == "onnx" && onnxCalibrated(m.Version):
		return Thresholds{Accept: onnxAccept, Review: onnxReview, Margin: onnxMargin}, nil
	}
	return Thresholds{}, fmt.Errorf("thresholds for %s: model not calibrated", m)
}
