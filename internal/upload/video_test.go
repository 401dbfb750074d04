package upload

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSniffVideo(t *testing.T) {
	t.Parallel()
	ebml := func(docType string) []byte {
		// EBML header: version, then DocType, then DocTypeVersion.
		body := append([]byte{0x42, 0x86, 0x81, 0x01, 0x42, 0x82, 0x80 | byte(len(docType))}, docType...)
		body = append(body, 0x42, 0x87, 0x81, 0x04)
		return append([]byte{0x1a, 0x45, 0xdf, 0xa3, 0x80 | byte(len(body))}, body...)
	}
	tests := []struct {
		name   string
		head   []byte
		format string
	}{
		{"mp4 isom", []byte("\x00\x00\x00\x20ftypisom\x00\x00\x02\x00"), "mp4"},
		{"mp4 mp42", []byte("\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00"), "mp4"},
		{"quicktime", []byte("\x00\x00\x00\x14ftypqt  \x00\x00\x02\x00"), "mov"},
		{"old quicktime", []byte("\x00\x00\x00\x08wide\x00\x00\x00\x00mdat"), "mov"},
		{"webm", ebml("webm"), "webm"},
		{"matroska", ebml("matroska"), "mkv"},
		{"ebml with a void first", append([]byte{0x1a, 0x45, 0xdf, 0xa3, 0x90, 0xec, 0x81, 0x00}, ebml("webm")[5:]...), "webm"},
		{"unknown ebml", ebml("matrosky"), ""},
		{"truncated ebml", ebml("webm")[:8], ""},
		{"avif", []byte("\x00\x00\x00\x1cftypavif\x00\x00\x00\x00"), ""},
		{"heic", []byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00"), ""},
		{"png", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), ""},
		{"jpeg", []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00"), ""},
		{"short", []byte("ftyp"), ""},
		{"empty", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, ok := SniffVideo(tt.head)
			require.Equal(t, tt.format, got)
			require.Equal(t, tt.format != "", ok)
		})
	}
}

func FuzzSniffVideo(f *testing.F) {
	f.Add([]byte("\x1a\x45\xdf\xa3\x84\x42\x82\x81w"))
	f.Add([]byte("\x1a\x45\xdf\xa3\x01\xff\xff\xff\xff\xff\xff\xff\x42\x82"))
	f.Fuzz(func(t *testing.T, head []byte) {
		SniffVideo(head) // never panics
	})
}
