package flow

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/easelhq/easel"
)

// stepProblem matches Compile's messages about one step: "flow f: step
// <id>: <rest>".
var stepProblem = regexp.MustCompile(`^flow [^:]*: step ([^: ]+): (.*)$`)

// withLine prefixes an invalid_argument error of Compile with "line N: ",
// the line of the YAML in data the error is about (the step, or the field
// of the step it names; the outputs), so that an editor can point at it.
// Other errors, and errors already naming a line (YAML syntax), are
// returned as they are.
func withLine(data []byte, err error) error {
	if err == nil || easel.ErrorCode(err) != easel.CodeInvalidArgument {
		return err
	}
	msg := easel.ErrorMessage(err)
	if strings.Contains(msg, "line ") {
		return err
	}
	var doc yaml.Node
	if yaml.NewDecoder(bytes.NewReader(data)).Decode(&doc) != nil || len(doc.Content) == 0 {
		return err
	}
	root := doc.Content[0]
	line := 0
	if m := stepProblem.FindStringSubmatch(msg); m != nil {
		line = stepLine(root, m[1], m[2])
	} else if strings.Contains(msg, ": outputs: ") {
		if k, _ := mapEntry(root, "outputs"); k != nil {
			line = k.Line
		}
	} else if strings.Contains(msg, " steps are needed") {
		if k, _ := mapEntry(root, "steps"); k != nil {
			line = k.Line
		}
	} else if strings.HasPrefix(msg, "flow name ") {
		if k, _ := mapEntry(root, "name"); k != nil {
			line = k.Line
		}
	}
	if line == 0 {
		return err
	}
	return easel.Errorf(easel.CodeInvalidArgument, "line %d: %s", line, msg)
}

// stepLine finds the line of the step with the id, or of the field that
// rest is about.
func stepLine(root *yaml.Node, id, rest string) int {
	_, steps := mapEntry(root, "steps")
	if steps == nil || steps.Kind != yaml.SequenceNode {
		return 0
	}
	for _, s := range steps.Content {
		if _, v := mapEntry(s, "id"); v == nil || v.Value != id {
			continue
		}
		switch {
		case strings.HasPrefix(rest, "unknown processor"):
			if k, _ := mapEntry(s, "processor"); k != nil {
				return k.Line
			}
		case strings.HasPrefix(rest, "input") || strings.Contains(rest, " gives "):
			if k, _ := mapEntry(s, "input"); k != nil {
				return k.Line
			}
		default:
			if k, params := mapEntry(s, "params"); k != nil {
				if params != nil && params.Kind == yaml.MappingNode {
					for i := 0; i+1 < len(params.Content); i += 2 {
						if strings.HasPrefix(rest, params.Content[i].Value+":") || strings.Contains(rest, fmt.Sprintf("%q", params.Content[i].Value)) {
							return params.Content[i].Line
						}
					}
				}
				if strings.Contains(rest, "param") {
					return k.Line
				}
			}
		}
		return s.Line
	}
	return 0
}

// mapEntry returns the key and value nodes of key in a mapping node.
func mapEntry(n *yaml.Node, key string) (*yaml.Node, *yaml.Node) {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i], n.Content[i+1]
		}
	}
	return nil, nil
}
