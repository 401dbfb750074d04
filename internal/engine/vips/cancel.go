package vips

/*
#cgo pkg-config: vips
#include <stdlib.h>
#include <vips/vips.h>

// easel_watch is shared by the eval handlers of one render and the Go code
// that cancels it. It is freed when its last reference goes: the Go side
// holds one, every connected handler another (dropped when the image dies).
typedef struct {
	volatile gint cancelled;
	volatile gint refs;
} easel_watch;

static easel_watch *easel_watch_new(void) {
	easel_watch *w = g_new0(easel_watch, 1);
	w->refs = 1;
	return w;
}

static void easel_watch_unref(gpointer data, GClosure *closure) {
	easel_watch *w = data;
	if (g_atomic_int_dec_and_test(&w->refs))
		g_free(w);
}

static void easel_watch_cancel(easel_watch *w) { g_atomic_int_set(&w->cancelled, 1); }

// easel_on_eval runs in libvips worker threads while a sink evaluates an
// image downstream of the watched one. Setting the kill flag of the image
// being evaluated (progress->im) makes the sink stop with an error at its
// next step.
static void easel_on_eval(VipsImage *image, VipsProgress *progress, gpointer data) {
	easel_watch *w = data;
	if (g_atomic_int_get(&w->cancelled)) {
		vips_image_set_kill(image, TRUE);
		if (progress != NULL && progress->im != NULL)
			vips_image_set_kill(progress->im, TRUE);
	}
}

// easel_watch_image makes every evaluation of image, and of the images
// computed from it, report to w.
static void easel_watch_image(VipsImage *image, easel_watch *w) {
	// An image computed from a watched one signals on that one already (and
	// vips_image_set_progress(TRUE) would turn an inherited signal off).
	if (image->progress_signal != NULL)
		return;
	vips_image_set_progress(image, TRUE);
	g_atomic_int_inc(&w->refs);
	g_signal_connect_data(image, "eval", G_CALLBACK(easel_on_eval), w, easel_watch_unref, 0);
}
*/
import "C"

import (
	"context"
	"sync"
	"unsafe"

	govips "github.com/davidbyttow/govips/v2/vips"
)

// killer stops the libvips evaluations of one render when its context
// ends: libvips signals progress ("eval") while a sink pulls pixels, and an
// eval handler sets the kill flag of the evaluated image once the context
// is done, so a long blur, resize or encode fails within one strip instead
// of running to its end.
type killer struct {
	w    *C.easel_watch
	stop func() bool
	done chan struct{}
	once sync.Once
}

// newKiller watches ctx. release must be called when the render is over.
func newKiller(ctx context.Context) *killer {
	k := &killer{w: C.easel_watch_new(), done: make(chan struct{})}
	k.stop = context.AfterFunc(ctx, func() {
		C.easel_watch_cancel(k.w)
		close(k.done)
	})
	return k
}

// watch makes the evaluations of img (and of every image computed from it)
// stoppable by the killer's context.
func (k *killer) watch(img *govips.ImageRef) {
	if k == nil || img == nil {
		return
	}
	if p := imagePointer(img); p != nil {
		C.easel_watch_image(p, k.w)
	}
}

// release drops the Go side's reference once the cancelling function can no
// longer run.
func (k *killer) release() {
	if k == nil {
		return
	}
	k.once.Do(func() {
		if !k.stop() {
			<-k.done // it ran or is running
		}
		C.easel_watch_unref(C.gpointer(unsafe.Pointer(k.w)), nil)
	})
}

// imageRefLayout mirrors the first fields of govips v2.18.0's ImageRef: its
// VipsImage pointer is not exported. layoutOK checks the mirror against a
// real image at start-up; on a mismatch no image is watched.
type imageRefLayout struct {
	buf   []byte
	image *C.VipsImage
}

var layoutOK bool

// imagePointer returns img's current VipsImage, or nil when the layout of
// ImageRef is not the expected one.
func imagePointer(img *govips.ImageRef) *C.VipsImage {
	if !layoutOK {
		return nil
	}
	return (*imageRefLayout)(unsafe.Pointer(img)).image
}

// checkLayout verifies imageRefLayout on a small image made by govips.
func checkLayout() {
	img, err := govips.Black(3, 2)
	if err != nil {
		return
	}
	defer img.Close()
	p := (*imageRefLayout)(unsafe.Pointer(img)).image
	layoutOK = p != nil && int(C.vips_image_get_width(p)) == 3 && int(C.vips_image_get_height(p)) == 2 &&
		int(C.vips_image_get_bands(p)) == img.Bands()
}
