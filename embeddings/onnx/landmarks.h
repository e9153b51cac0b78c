// C interface to dlib's HOG face detector and shape predictor, without
// go-face's recogniser (which also computes, and loads, the dlib
// descriptor network the ONNX engine does not need).
#ifndef CLOCKFACE_LANDMARKS_H
#define CLOCKFACE_LANDMARKS_H
#include <stdint.h>
#ifdef __cplusplus
extern "C" {
#endif

typedef struct lm_detector lm_detector;

// lm_new loads a shape predictor file; on failure it returns NULL and sets
// *err (free it with free).
lm_detector* lm_new(const char* predictor_path, char** err);
void lm_free(lm_detector* d);

// lm_detect finds faces in a BGR image (rows × cols, step bytes a row) and
// the predictor's landmarks of each. It returns the number of faces and
// fills *rects (4 longs a face: left, top, right, bottom) and *points
// (2·(*npoints) longs a face), both malloc'ed; or -1 and *err. The detector
// is not safe for concurrent use: the caller serialises calls.
int lm_detect(lm_detector* d, const uint8_t* bgr, int rows, int cols, int step,
              long** rects, long** points, int* npoints, char** err);

// lm_predict runs only the shape predictor on one face box (left, top,
// right, bottom) of a BGR image, filling points (2·npoints longs, caller's
// buffer); it returns the number of points, or -1 and *err. The image is
// converted on every call, so benchmarks convert once with lm_image_new.
typedef struct lm_image lm_image;
lm_image* lm_image_new(const uint8_t* bgr, int rows, int cols, int step);
void lm_image_free(lm_image* img);
int lm_predict(lm_detector* d, lm_image* img, long left, long top, long right, long bottom,
               long* points, int npoints, char** err);

#ifdef __cplusplus
}
#endif
#endif
