#include <cstdlib>
#include <cstring>
#include <string>
#include <dlib/image_processing/frontal_face_detector.h>
#include <dlib/image_processing/shape_predictor.h>
#include <dlib/matrix.h>
#include <dlib/pixel.h>
#include "landmarks.h"

struct lm_detector {
	dlib::frontal_face_detector detector;
	dlib::shape_predictor predictor;
};

static char* dup_err(const std::string& s) { return strdup(s.c_str()); }

lm_detector* lm_new(const char* predictor_path, char** err) {
	try {
		lm_detector* d = new lm_detector;
		d->detector = dlib::get_frontal_face_detector();
		dlib::deserialize(predictor_path) >> d->predictor;
		return d;
	} catch (std::exception& e) {
		*err = dup_err(e.what());
		return nullptr;
	}
}

void lm_free(lm_detector* d) { delete d; }

int lm_detect(lm_detector* d, const uint8_t* bgr, int rows, int cols, int step,
              long** rects, long** points, int* npoints, char** err) {
	try {
		dlib::matrix<dlib::rgb_pixel> img(rows, cols);
		for (int y = 0; y < rows; y++) {
			const uint8_t* row = bgr + (size_t)y * step;
			for (int x = 0; x < cols; x++) {
				img(y, x) = dlib::rgb_pixel(row[3 * x + 2], row[3 * x + 1], row[3 * x]);
			}
		}
		std::vector<dlib::rectangle> found = d->detector(img);
		int n = (int)found.size();
		int np = (int)d->predictor.num_parts();
		*npoints = np;
		*rects = (long*)malloc(sizeof(long) * 4 * (n > 0 ? n : 1));
		*points = (long*)malloc(sizeof(long) * 2 * np * (n > 0 ? n : 1));
		for (int i = 0; i < n; i++) {
			const dlib::rectangle& r = found[i];
			(*rects)[4 * i] = r.left();
			(*rects)[4 * i + 1] = r.top();
			(*rects)[4 * i + 2] = r.right();
			(*rects)[4 * i + 3] = r.bottom();
			dlib::full_object_detection shape = d->predictor(img, r);
			for (int j = 0; j < np; j++) {
				(*points)[2 * (i * np + j)] = shape.part(j).x();
				(*points)[2 * (i * np + j) + 1] = shape.part(j).y();
			}
		}
		return n;
	} catch (std::exception& e) {
		*err = dup_err(e.what());
		return -1;
	}
}
