// Package render renders an asset's original with parsed operations: probe
// the header, find the faces the operations need, plan, load the overlay,
// execute in the Engine. Delivery and the task worker share its Renderer, so
// a task's output is byte for byte what the delivery URL of the same
// operations serves. It talks to libvips only through the Engine interface.
package render
