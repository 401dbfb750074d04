package svgsafe

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
)

// checkSafe tokenizes a sanitised document and returns an error for anything
// that could run or fetch: an element outside the allow-list or the SVG
// namespace, an event attribute, a reference that is not a fragment, a
// url(...) that is not a fragment, a URL scheme in any attribute, a comment,
// processing instruction or directive. The tests and the fuzz target share it.
func checkSafe(out []byte) error {
	d := xml.NewDecoder(bytes.NewReader(out))
	d.Strict = true
	roots := 0
	depth := 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("output is not well-formed: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if depth == 0 {
				roots++
			}
			depth++
			if t.Name.Space != svgNS {
				return fmt.Errorf("element <%s> in namespace %q", t.Name.Local, t.Name.Space)
			}
			if !allowedElements[t.Name.Local] {
				return fmt.Errorf("element <%s> is not allowed", t.Name.Local)
			}
			for _, a := range t.Attr {
				if a.Name.Space == "xmlns" || (a.Name.Space == "" && a.Name.Local == "xmlns") {
					if depth != 1 || (a.Value != svgNS && a.Value != xlinkNS) {
						return fmt.Errorf("namespace declaration %s=%q on <%s>", a.Name.Local, a.Value, t.Name.Local)
					}
					continue
				}
				if isEventAttribute(a.Name.Local) {
					return fmt.Errorf("event attribute %s on <%s>", a.Name.Local, t.Name.Local)
				}
				if a.Name.Local == "href" && !isFragment(a.Value) {
					return fmt.Errorf("reference %q on <%s>", a.Value, t.Name.Local)
				}
				s := squash(a.Value)
				for _, scheme := range dangerousSchemes {
					if strings.Contains(s, scheme) {
						return fmt.Errorf("scheme %s in %s=%q", scheme, a.Name.Local, a.Value)
					}
				}
				if strings.Contains(s, "url(") && !urlsAreFragments(s) {
					return fmt.Errorf("url() in %s=%q", a.Name.Local, a.Value)
				}
				if animationElements[t.Name.Local] && a.Name.Local == "attributeName" && forbiddenAnimationTarget(a.Value) {
					return fmt.Errorf("<%s> animates %q", t.Name.Local, a.Value)
				}
			}
		case xml.EndElement:
			depth--
		case xml.Comment, xml.ProcInst, xml.Directive:
			return fmt.Errorf("output holds %T", tok)
		case xml.CharData:
			if depth == 0 && len(bytes.TrimSpace(t)) > 0 {
				return fmt.Errorf("text outside the root")
			}
		}
	}
	if roots != 1 {
		return fmt.Errorf("output has %d root elements", roots)
	}
	return nil
}
