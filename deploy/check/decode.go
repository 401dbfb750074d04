package main

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"sigs.k8s.io/yaml"
)

// scaledObject is the part of KEDA's keda.sh/v1alpha1 ScaledObject schema the
// chart uses (https://keda.sh/docs/latest/reference/scaledobject-spec/).
type scaledObject struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name   string            `json:"name"`
		Labels map[string]string `json:"labels,omitempty"`
	} `json:"metadata"`
	Spec struct {
		ScaleTargetRef struct {
			Name       string `json:"name"`
			APIVersion string `json:"apiVersion,omitempty"`
			Kind       string `json:"kind,omitempty"`
		} `json:"scaleTargetRef"`
		PollingInterval *int32 `json:"pollingInterval,omitempty"`
		CooldownPeriod  *int32 `json:"cooldownPeriod,omitempty"`
		MinReplicaCount *int32 `json:"minReplicaCount,omitempty"`
		MaxReplicaCount *int32 `json:"maxReplicaCount,omitempty"`
		Triggers        []struct {
			Type     string            `json:"type"`
			Metadata map[string]string `json:"metadata"`
		} `json:"triggers"`
	} `json:"spec"`
}

// natsJetStreamKeys are the metadata keys of KEDA's nats-jetstream scaler.
var natsJetStreamKeys = map[string]bool{
	"natsServerMonitoringEndpoint": true, "account": true, "stream": true, "consumer": true,
	"lagThreshold": true, "activationLagThreshold": true, "useHttps": true,
}

var separator = regexp.MustCompile(`(?m)^---\s*$`)

// checkManifests decodes every document of a rendered chart strictly and
// returns "Kind/name" for each.
func checkManifests(rendered []byte) ([]string, error) {
	var kinds []string
	for _, doc := range separator.Split(string(rendered), -1) {
		if strings.TrimSpace(stripComments(doc)) == "" {
			continue
		}
		var head struct {
			APIVersion string `json:"apiVersion"`
			Kind       string `json:"kind"`
			Metadata   struct {
				Name string `json:"name"`
			} `json:"metadata"`
		}
		if err := yaml.Unmarshal([]byte(doc), &head); err != nil {
			return nil, fmt.Errorf("a document is not YAML: %w", err)
		}
		obj, err := typed(head.APIVersion, head.Kind)
		if err != nil {
			return nil, fmt.Errorf("%s %q: %w", head.Kind, head.Metadata.Name, err)
		}
		if err := yaml.UnmarshalStrict([]byte(doc), obj); err != nil {
			return nil, fmt.Errorf("%s %q does not decode strictly: %w", head.Kind, head.Metadata.Name, err)
		}
		if err := validate(obj); err != nil {
			return nil, fmt.Errorf("%s %q: %w", head.Kind, head.Metadata.Name, err)
		}
		kinds = append(kinds, head.Kind+"/"+head.Metadata.Name)
	}
	if len(kinds) == 0 {
		return nil, fmt.Errorf("the chart rendered no object")
	}
	return kinds, nil
}

func typed(apiVersion, kind string) (any, error) {
	switch apiVersion + " " + kind {
	case "apps/v1 Deployment":
		return &appsv1.Deployment{}, nil
	case "v1 Service":
		return &corev1.Service{}, nil
	case "v1 ConfigMap":
		return &corev1.ConfigMap{}, nil
	case "v1 Secret":
		return &corev1.Secret{}, nil
	case "policy/v1 PodDisruptionBudget":
		return &policyv1.PodDisruptionBudget{}, nil
	case "autoscaling/v2 HorizontalPodAutoscaler":
		return &autoscalingv2.HorizontalPodAutoscaler{}, nil
	case "keda.sh/v1alpha1 ScaledObject":
		return &scaledObject{}, nil
	}
	return nil, fmt.Errorf("apiVersion %q kind %q is not one the check knows", apiVersion, kind)
}

// validate checks what strict decoding cannot: references between objects
// and values the API server would refuse.
func validate(obj any) error {
	switch o := obj.(type) {
	case *appsv1.Deployment:
		sel := o.Spec.Selector
		if sel == nil || len(sel.MatchLabels) == 0 {
			return fmt.Errorf("no selector")
		}
		for k, v := range sel.MatchLabels {
			if o.Spec.Template.Labels[k] != v {
				return fmt.Errorf("selector %s=%s does not match the pod template", k, v)
			}
		}
		for _, c := range o.Spec.Template.Spec.Containers {
			if c.Image == "" || c.LivenessProbe == nil || c.ReadinessProbe == nil {
				return fmt.Errorf("container %q needs an image and both probes", c.Name)
			}
			for _, p := range []*corev1.Probe{c.LivenessProbe, c.ReadinessProbe} {
				if p.HTTPGet == nil || (p.HTTPGet.Path != "/healthz" && p.HTTPGet.Path != "/readyz") {
					return fmt.Errorf("container %q: probes must GET /healthz or /readyz", c.Name)
				}
			}
		}
	case *scaledObject:
		if o.Spec.ScaleTargetRef.Name == "" || len(o.Spec.Triggers) == 0 {
			return fmt.Errorf("needs a scale target and a trigger")
		}
		for _, tr := range o.Spec.Triggers {
			if tr.Type != "nats-jetstream" {
				return fmt.Errorf("trigger type %q is not nats-jetstream", tr.Type)
			}
			for k := range tr.Metadata {
				if !natsJetStreamKeys[k] {
					return fmt.Errorf("nats-jetstream trigger has no metadata key %q", k)
				}
			}
		}
	}
	return nil
}

func stripComments(doc string) string {
	var b bytes.Buffer
	for _, line := range strings.Split(doc, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "#") {
			b.WriteString(line)
			b.WriteByte('\n')
		}
	}
	return b.String()
}
