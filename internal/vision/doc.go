// Package vision finds faces, with their eyes, nose, mouth and ears, in RGB
// rasters.
//
// Two detectors implement Detector:
//
//   - BlazeFace, MediaPipe's "back" 256×256 model run by onnxruntime (cgo
//     binding github.com/yalue/onnxruntime_go; the shared library and the
//     model are loaded at run time from Config.Dir, where
//     scripts/vision-deps.sh puts them). Recall and precision 0.98/1.00 on
//     real photos, about 10 ms an image, six keypoints per face.
//   - pigo, a pure-Go pixel-intensity cascade, embedded: the fallback when
//     onnxruntime or the model is missing. It misses tilted, tiny and
//     extreme close-up faces, and its keypoints are estimated from the box.
//
// New picks BlazeFace when it loads and pigo otherwise, and says why;
// Describe formats the choice for /readyz. Evaluate measures a detector on
// the truth set of the shared test corpus (faces/TRUTH.tsv).
//
// Coordinates are pixels of the image as given (already in displayed
// orientation); left and right are the subject's, as in easel.Face.
package vision
