// Command manifestargs prints what a container of a Kubernetes manifest
// runs, for scripts/image-test.sh: its image's args and env, one per line
// ("arg<TAB>value", "env<TAB>NAME=value", "mount<TAB>name<TAB>path<TAB>ro|rw").
//
//	go run ./internal/cmd/manifestargs deploy/kubernetes/service.yaml Deployment/facegate
package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"go.yaml.in/yaml/v3"
)

type container struct {
	Args []string `yaml:"args"`
	Env  []struct {
		Name  string `yaml:"name"`
		Value string `yaml:"value"`
	} `yaml:"env"`
	VolumeMounts []struct {
		Name      string `yaml:"name"`
		MountPath string `yaml:"mountPath"`
		ReadOnly  bool   `yaml:"readOnly"`
	} `yaml:"volumeMounts"`
}

type manifest struct {
	Kind     string `yaml:"kind"`
	Metadata struct {
		Name string `yaml:"name"`
	} `yaml:"metadata"`
	Spec struct {
		Template struct {
			Spec struct {
				Containers []container `yaml:"containers"`
			} `yaml:"spec"`
		} `yaml:"template"`
	} `yaml:"spec"`
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: manifestargs FILE KIND/NAME")
		os.Exit(2)
	}
	b, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	for {
		var m manifest
		if err := dec.Decode(&m); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		if m.Kind+"/"+m.Metadata.Name != os.Args[2] || len(m.Spec.Template.Spec.Containers) == 0 {
			continue
		}
		c := m.Spec.Template.Spec.Containers[0]
		for _, a := range c.Args {
			fmt.Printf("arg\t%s\n", a)
		}
		for _, e := range c.Env {
			fmt.Printf("env\t%s=%s\n", e.Name, e.Value)
		}
		for _, v := range c.VolumeMounts {
			mode := "rw"
			if v.ReadOnly {
				mode = "ro"
			}
			fmt.Printf("mount\t%s\t%s\t%s\n", v.Name, v.MountPath, mode)
		}
		return
	}
	fmt.Fprintf(os.Stderr, "%s: no %s\n", os.Args[1], os.Args[2])
	os.Exit(2)
}
