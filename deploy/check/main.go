// Command check renders the Helm chart in deploy/helm/easel with a pinned
// helm and decodes every object it produces strictly into the Kubernetes API
// types (k8s.io/api), so that a misspelt field or a wrong type fails instead of
// being dropped by the cluster. KEDA's ScaledObject, a custom resource, is
// decoded into the subset of its schema the chart uses, also strictly.
//
//	go run . --helm /path/to/helm --chart ../helm/easel [--values extra.yaml]...
//
// It is its own Go module so that the Kubernetes libraries stay out of easel's.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
)

type multi []string

func (m *multi) String() string     { return strings.Join(*m, ",") }
func (m *multi) Set(v string) error { *m = append(*m, v); return nil }

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "deploy check:", err)
		os.Exit(1)
	}
}

func run(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	helm := fs.String("helm", "helm", "the helm binary")
	chart := fs.String("chart", "../helm/easel", "the chart directory")
	var values multi
	fs.Var(&values, "values", "a values file to render with as well as the defaults (repeatable)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if _, err := command(*helm, "lint", "--strict", *chart); err != nil {
		return err
	}
	sets := [][]string{nil}
	for _, v := range values {
		sets = append(sets, []string{"--values", v})
	}
	for _, set := range sets {
		rendered, err := command(*helm, append([]string{"template", "easel", *chart}, set...)...)
		if err != nil {
			return err
		}
		kinds, err := checkManifests(rendered)
		if err != nil {
			return fmt.Errorf("rendered with %v: %w", set, err)
		}
		fmt.Fprintf(out, "values %v: %d objects decoded strictly: %s\n", set, len(kinds), strings.Join(kinds, ", "))
	}
	return nil
}

func command(name string, args ...string) ([]byte, error) {
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return nil, fmt.Errorf("%s %s: %w\n%s", name, strings.Join(args, " "), err, stderr.String())
		}
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return stdout.Bytes(), nil
}
