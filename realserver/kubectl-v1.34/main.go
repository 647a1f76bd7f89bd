// Command kubectl is kubectl at the release its go.mod pins, built from Go modules the way
// k8s.io/kubernetes/cmd/kubectl builds it, so that transcripts can be recorded against the
// real apiserver of the same release without downloading a binary.
package main

import (
	"k8s.io/component-base/cli"
	"k8s.io/kubectl/pkg/cmd"
	"k8s.io/kubectl/pkg/cmd/util"
)

func main() {
	command := cmd.NewDefaultKubectlCommand()
	if err := cli.RunNoErrOutput(command); err != nil {
		util.CheckErr(err)
	}
}
