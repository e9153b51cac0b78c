package embeddings

// ONNX ArcFace-class model (fr_feature.onnx, 512-d, unit length). Its
// thresholds are Euclidean distances like dlib's, so matching is shared;
// for unit vectors d² = 2 − 2·cos, so a distance d is a cosine similarity
// of 1 − d²/2. Measured on the test media (BENCHMARKS.md, "ONNX model"):
// genuine pairs had a median of 0.52 and a 99th percentile of 0.92; the
// closest of 3,573 impostor pairs was at 1.11, the closest two of the
// bald men at 1.15.
const (
	// onnxVersion is the SHA-256 prefix of the weights these were measured
	// on, with the default alignment (68-point landmarks, no flip).
	onnxVersion = "87aacdfe5751"
	// onnxAccept (cosine ≥ 0.595) accepted 98.4% of genuine media pairs
	// with no false accept, 0.2 under the closest impostor. The issue's
	// harder look-alike set admitted only a quarter of genuine pairs at
	// zero false accepts, so this is deliberately not looser.
	onnxAccept = 0.90
	// onnxReview (cosine ≥ 0.50) bounds the "ask for the PIN" band; 99.5%
	// of genuine media pairs fall under it, and no impostor.
	onnxReview = 1.00
	// onnxMargin is the lead a 1:N best match must have over the runner-up.
	// A margin did not measurably help this model (issue 7); this small one
	// guards against two enrolled look-alikes, it is not a tuned value.
	onnxMargin = 0.05
)

// onnxCalibrated reports whether the thresholds were measured for this
// version: the default alignment, the 5-point landmarks ("+sp5": accept
// 0.90 kept 97.6% of genuine media pairs, closest impostor 1.08) and flip
// averaging ("+flip": 98.3%, closest impostor 1.10).
func onnxCalibrated(version string) bool {
	switch version {
	case onnxVersion, onnxVersion + "+sp5", onnxVersion + "+flip":
		return true
	}
	return false
}
