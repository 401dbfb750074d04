package svgsafe

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/easelhq/easel"
)

// MaxDepth is the deepest element nesting Sanitize accepts; deeper documents
// are refused with easel.CodeTooLarge.
const MaxDepth = 256

// errTooLarge is returned by the limited reader once the input passes the limit.
var errTooLarge = errors.New("svgsafe: input over the size limit")

// Sanitize reads an SVG document from r and returns it rewritten through the
// allow-list described in the package documentation. It reads at most limit
// bytes (limit must be positive): a longer input, or one nested deeper than
// MaxDepth, is refused with easel.CodeTooLarge; input that is not well-formed
// UTF-8 XML (undefined entities, such as those of a billion-laughs DOCTYPE,
// included) with easel.CodeInvalidArgument; a document whose root is not an
// SVG <svg> element with easel.CodeUnsupportedMedia. The output is UTF-8,
// without XML declaration, DOCTYPE, comments or processing instructions, and
// is a fixed point: sanitising it again returns the same bytes.
func Sanitize(r io.Reader, limit int64) ([]byte, error) {
	if limit <= 0 {
		return nil, easel.Errorf(easel.CodeInvalidArgument, "svgsafe: size limit must be positive, got %d", limit)
	}
	d := xml.NewDecoder(&limitedReader{r: r, n: limit})
	d.Strict = true // undefined entities and mismatched tags are errors
	s := &sanitizer{}
	for !s.done {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if errors.Is(err, errTooLarge) {
			return nil, easel.WrapError(easel.CodeTooLarge, err, "SVG is larger than %d bytes", limit)
		}
		if err != nil {
			return nil, easel.WrapError(easel.CodeInvalidArgument, err, "SVG is not well-formed XML")
		}
		if err := s.token(tok); err != nil {
			return nil, err
		}
	}
	if !s.rootSeen {
		return nil, easel.Errorf(easel.CodeUnsupportedMedia, "not an SVG document: no root element")
	}
	if !s.done {
		return nil, easel.Errorf(easel.CodeInvalidArgument, "SVG is not well-formed XML: the root element is not closed")
	}
	return s.out.Bytes(), nil
}

// sanitizer holds the state of one pass over the token stream.
type sanitizer struct {
	out      bytes.Buffer
	stack    []string // output names of the open kept elements
	depth    int      // nesting of every element, dropped ones included
	skip     int      // > 0 while inside a dropped subtree: its depth
	pending  bool     // the last start tag written still lacks its ">"
	rootSeen bool
	done     bool // the root element has closed

	inStyle      bool
	styleMark    int  // out.Len() before the <style> start tag
	stylePending bool // s.pending before the <style> start tag
	styleText    strings.Builder
}

func (s *sanitizer) token(tok xml.Token) error {
	switch t := tok.(type) {
	case xml.StartElement:
		s.depth++
		if s.depth > MaxDepth {
			return easel.Errorf(easel.CodeTooLarge, "SVG nests elements deeper than %d", MaxDepth)
		}
		if s.skip > 0 || s.inStyle {
			s.skip++
			return nil
		}
		if !s.rootSeen {
			if t.Name.Local != "svg" || (t.Name.Space != svgNS && t.Name.Space != "") {
				return easel.Errorf(easel.CodeUnsupportedMedia, "not an SVG document: root element <%s>", t.Name.Local)
			}
			s.rootSeen = true
		}
		if !keepElement(t) {
			s.skip = 1
			return nil
		}
		s.start(t)
	case xml.EndElement:
		s.depth--
		if s.skip > 0 {
			s.skip--
			return nil
		}
		s.end()
	case xml.CharData:
		if s.skip > 0 || len(s.stack) == 0 {
			return nil
		}
		if s.inStyle {
			s.styleText.Write(t)
			return nil
		}
		s.closePending()
		escapeText(&s.out, t)
	}
	// Comments, processing instructions (<?xml-stylesheet?>, the XML
	// declaration) and directives (DOCTYPE) are dropped.
	return nil
}

// keepElement reports whether an element (not its attributes) is kept.
func keepElement(t xml.StartElement) bool {
	if t.Name.Space != svgNS && t.Name.Space != "" {
		return false
	}
	if !allowedElements[t.Name.Local] {
		return false
	}
	if animationElements[t.Name.Local] {
		name, ok := attr(t, "attributeName")
		if ok && (forbiddenAnimationTarget(name) || !valueSafe(name)) {
			return false
		}
		if !ok && t.Name.Local != "animateMotion" {
			return false
		}
	}
	return true
}

func (s *sanitizer) start(t xml.StartElement) {
	name := t.Name.Local
	if name == "style" {
		s.inStyle, s.styleMark, s.stylePending = true, s.out.Len(), s.pending
		s.styleText.Reset()
	}
	s.closePending()
	s.out.WriteString("<" + name)
	if len(s.stack) == 0 {
		s.out.WriteString(` xmlns="` + svgNS + `" xmlns:xlink="` + xlinkNS + `"`)
	}
	writeAttributes(&s.out, t)
	s.pending = true
	s.stack = append(s.stack, name)
}

func (s *sanitizer) end() {
	name := s.stack[len(s.stack)-1]
	s.stack = s.stack[:len(s.stack)-1]
	if s.inStyle && name == "style" {
		s.inStyle = false
		css, ok := cleanCSS(s.styleText.String())
		if !ok {
			s.out.Truncate(s.styleMark) // the whole <style> goes, as if never started
			s.pending = s.stylePending
			return
		}
		if strings.TrimSpace(css) != "" {
			s.closePending()
			escapeText(&s.out, []byte(css))
		}
	}
	if s.pending {
		s.out.WriteString("/>")
		s.pending = false
	} else {
		fmt.Fprintf(&s.out, "</%s>", name)
	}
	if len(s.stack) == 0 {
		s.done = true
	}
}

func (s *sanitizer) closePending() {
	if s.pending {
		s.out.WriteByte('>')
		s.pending = false
	}
}

// attr returns the value of the element's attribute in no namespace.
func attr(t xml.StartElement, local string) (string, bool) {
	for _, a := range t.Attr {
		if a.Name.Space == "" && a.Name.Local == local {
			return a.Value, true
		}
	}
	return "", false
}

// limitedReader reads at most n bytes from r and then fails with errTooLarge
// if r has more.
type limitedReader struct {
	r io.Reader
	n int64
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.n <= 0 {
		var one [1]byte
		if n, _ := io.ReadFull(l.r, one[:]); n > 0 {
			return 0, errTooLarge
		}
		return 0, io.EOF
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	return n, err
}
