// Package upload is the upload use case: Uploads.Upload reads an original
// within the byte limit, checks it from its header, stores it
// content-addressed, records the asset, queues its analysis, finds its near
// duplicates, and submits the task its operations ask for. It knows nothing
// of HTTP.
package upload
