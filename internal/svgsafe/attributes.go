package svgsafe

import (
	"bytes"
	"encoding/xml"
	"strings"
)

// writeAttributes writes the kept attributes of t, each once (the first
// occurrence of an output name wins: encoding/xml does not refuse duplicates,
// browsers do).
func writeAttributes(out *bytes.Buffer, t xml.StartElement) {
	seen := make(map[string]bool, len(t.Attr))
	for _, a := range t.Attr {
		name, value, ok := keepAttribute(a)
		if !ok || seen[name] {
			continue
		}
		seen[name] = true
		out.WriteString(" " + name + `="`)
		escapeAttr(out, value)
		out.WriteByte('"')
	}
}

// keepAttribute returns the output name and value of a, and whether it is
// kept: an allowed attribute in no namespace, xlink:href, xml:space or
// xml:lang, with a value that passes its check. Namespace declarations are
// dropped (the root gets its own).
func keepAttribute(a xml.Attr) (name, value string, ok bool) {
	local := a.Name.Local
	switch a.Name.Space {
	case "":
		if !allowedAttributes[local] || isEventAttribute(local) {
			return "", "", false
		}
		name = local
	case xlinkNS, "xlink":
		if local != "href" {
			return "", "", false
		}
		name = "xlink:href"
	case xmlNS, "xml":
		if !allowedXMLAttributes[local] {
			return "", "", false
		}
		name = "xml:" + local
	default:
		return "", "", false // xmlns:*, and every other namespace
	}
	switch {
	case referenceAttributes[local]:
		if !isFragment(a.Value) {
			return "", "", false
		}
		return name, strings.Trim(a.Value, " \t\r\n"), true
	case name == "style":
		css, ok := cleanCSS(a.Value)
		return name, css, ok
	default:
		return name, a.Value, valueSafe(a.Value)
	}
}

// escapeText writes character data with &, < and > escaped.
func escapeText(out *bytes.Buffer, b []byte) {
	for _, c := range b {
		switch c {
		case '&':
			out.WriteString("&amp;")
		case '<':
			out.WriteString("&lt;")
		case '>':
			out.WriteString("&gt;")
		case '\r':
			out.WriteString("&#xD;")
		default:
			out.WriteByte(c)
		}
	}
}

// escapeAttr writes an attribute value for a double-quoted attribute,
// keeping tabs and line breaks as character references so that attribute
// value normalisation does not change them.
func escapeAttr(out *bytes.Buffer, v string) {
	for i := 0; i < len(v); i++ {
		switch c := v[i]; c {
		case '&':
			out.WriteString("&amp;")
		case '<':
			out.WriteString("&lt;")
		case '>':
			out.WriteString("&gt;")
		case '"':
			out.WriteString("&quot;")
		case '\t':
			out.WriteString("&#x9;")
		case '\n':
			out.WriteString("&#xA;")
		case '\r':
			out.WriteString("&#xD;")
		default:
			out.WriteByte(c)
		}
	}
}
