package main

import (
	"strings"
	"testing"
)

const goodDeployment = `apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  selector: {matchLabels: {app: a}}
  template:
    metadata: {labels: {app: a}}
    spec:
      containers:
        - name: api
          image: easel:dev
          livenessProbe: {httpGet: {path: /healthz, port: 8080}}
          readinessProbe: {httpGet: {path: /readyz, port: 8080}}
`

func TestCheckManifests(t *testing.T) {
	tests := []struct {
		name    string
		doc     string
		wantErr string
	}{
		{"a good deployment", goodDeployment, ""},
		{"a misspelt field", strings.Replace(goodDeployment, "selector:", "selecter:", 1), "strictly"},
		{"a wrong type", strings.Replace(goodDeployment, "image: easel:dev", "image: [easel]", 1), "strictly"},
		{"a selector that matches no pod", strings.Replace(goodDeployment, "labels: {app: a}", "labels: {app: b}", 1), "does not match"},
		{"a probe on another path", strings.Replace(goodDeployment, "/readyz", "/", 1), "probes"},
		{"an unknown kind", "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n", "not one the check knows"},
		{"a KEDA trigger with a misspelt key", `apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata: {name: w}
spec:
  scaleTargetRef: {name: worker}
  triggers:
    - type: nats-jetstream
      metadata: {natsServerMonitoringEndpoint: "nats:8222", stream: S, consumer: c, lagTreshold: "5"}
`, "no metadata key"},
		{"nothing rendered", "# only a comment\n", "no object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := checkManifests([]byte(tt.doc))
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}
