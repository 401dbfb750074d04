package delivery

import "strconv"

// renderSource names what a render read, for Rendered.Source: its pyramid
// level, or the original.
func renderSource(level int) string {
	if level > 0 {
		return "level-" + strconv.Itoa(level)
	}
	return "original"
}
