package svgsafe

import (
	"bytes"
	"testing"

	"github.com/easelhq/easel"
)

// FuzzSanitize checks, for any input, that Sanitize either refuses it with a
// code or returns output that passes checkSafe, is valid UTF-8 XML with one
// SVG root, and is a fixed point of Sanitize.
//
//	go test -run='^$' -fuzz=FuzzSanitize -fuzztime=60s ./internal/svgsafe/
func FuzzSanitize(f *testing.F) {
	seeds := []string{
		wrap(`<rect width="5" height="5" fill="url(#g)"/>`),
		wrap(`<script>alert(1)</script><a href="java&#x73;cript:alert(1)"><text>x</text></a>`),
		wrap(`<set attributeName="href" to="javascript:alert(1)"/><use xlink:href="#a"/>`),
		wrap(`<style><![CDATA[@import url(x); rect{fill:url(#a)}]]></style>`),
		wrap(`<foreignObject><iframe xmlns="http://www.w3.org/1999/xhtml"/></foreignObject>`),
		`<!DOCTYPE x [<!ENTITY a "b">]><svg xmlns="http://www.w3.org/2000/svg">&a;</svg>`,
		`<?xml-stylesheet href="x"?><s:svg xmlns:s="http://www.w3.org/2000/svg" onload="x"/>`,
		wrap(`<rect style="fill:u\72l(http://x)" x="1" x="2" xml:base="http://x/"/>`),
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		out, err := Sanitize(bytes.NewReader(in), 1<<16)
		if err != nil {
			if easel.ErrorCode(err) == easel.CodeInternal {
				t.Fatalf("error without a code: %v", err)
			}
			return
		}
		if err := checkSafe(out); err != nil {
			t.Fatalf("unsafe output %q from %q: %v", out, in, err)
		}
		again, err := Sanitize(bytes.NewReader(out), 1<<20)
		if err != nil {
			t.Fatalf("output %q refused: %v", out, err)
		}
		if !bytes.Equal(out, again) {
			t.Fatalf("not a fixed point:\n%q\n%q", out, again)
		}
	})
}
