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

struct lm_image {
	dlib::matrix<dlib::rgb_pixel> m;
};

static void to_rgb(dlib::matrix<dlib::rgb_pixel>& img, const uint8_t* bgr, int rows, int cols, int step) {
	img.set_size(rows, cols);
	for (int y = 0; y < rows; y++) {
		const uint8_t* row = bgr + (size_t)y * step;
		for (int x = 0; x < cols; x++) {
			img(y, x) = dlib::rgb_pixel(row[3 * x + 2], row[3 * x + 1], row[3 * x]);
		}
	}
}

lm_image* lm_image_new(const uint8_t* bgr, int rows, int cols, int step) {
	lm_image* img = new lm_image;
	to_rgb(img->m, bgr, rows, cols, step);
	return img;
}

void lm_image_free(lm_image* img) { delete img; }

int lm_predict(lm_detector* d, lm_image* img, long left, long top, long right, long bottom,
               long* points, int npoints, char** err) {
	try {
		int np = (int)d->predictor.num_parts();
		if (np > npoints) {
			*err = strdup("lm_predict: points buffer too small");
			return -1;
		}
		dlib::full_object_detection shape = d->predictor(img->m, dlib::rectangle(left, top, right, bottom));
		for (int j = 0; j < np; j++) {
			points[2 * j] = shape.part(j).x();
			points[2 * j + 1] = shape.part(j).y();
		}
		return np;
	} catch (std::exception& e) {
		*err = strdup(e.what());
		return -1;
	}
}

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
		dlib::matrix<dlib::rgb_pixel> img;
		to_rgb(img, bgr, rows, cols, step);
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
