package cmd

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/explain-nodes/kubectl-explain-nodes/pkg/cluster"
	"github.com/explain-nodes/kubectl-explain-nodes/pkg/diagnose"
	"github.com/explain-nodes/kubectl-explain-nodes/pkg/render"
)

const whyPendingExample = `  # Why is my-pod not running? (current namespace)
  kubectl explain-nodes why-pending my-pod

  # In another namespace
  kubectl explain-nodes why-pending web-7d4b9 -n shop

  # As JSON, with the per-node verdicts
  kubectl explain-nodes why-pending web-7d4b9 -n shop -o json`

// WhyPendingOptions are the options of `kubectl explain-nodes why-pending POD`.
type WhyPendingOptions struct {
	*Common
	Namespace string
	Pod       string
}

func newCmdWhyPending(common *Common) *cobra.Command {
	o := &WhyPendingOptions{Common: common}
	return &cobra.Command{
		Use:   "why-pending POD",
		Short: "Explain, node by node, why a pod is not scheduled, and what would fix it",
		Long: `Explain why a pod is Pending. For a pod the scheduler cannot place, every node
is checked with the scheduler's own filters (cordon, taints, node selector and
affinity, host ports, resources), each failure is named with the scheduler's
reason and the exact taint, label or resource involved, and the per-node
verdicts are counted into the scheduler's "0/N nodes are available" message and
compared with what the scheduler itself said.`,
		Example: whyPendingExample,
		Args:    exactArgs(1, "the pod's name"),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Pod = args[0]
			if err := o.Validate(cmd); err != nil {
				return err
			}
			if err := o.Complete(); err != nil {
				return err
			}
			return o.Run(cmd)
		},
	}
}

// Complete resolves the namespace as kubectl does: -n, else the context's.
func (o *WhyPendingOptions) Complete() error {
	if err := o.Common.Complete(); err != nil {
		return err
	}
	ns, _, err := o.ConfigFlags.ToRawKubeConfigLoader().Namespace()
	if err != nil {
		return &connError{context: o.Context, server: o.Server, err: err}
	}
	o.Namespace = ns
	return nil
}

// Run reads the pod and the nodes and prints the diagnosis.
func (o *WhyPendingOptions) Run(cmd *cobra.Command) error {
	r := &cluster.Reader{Client: o.Client, Server: o.Server}
	snap, err := r.ReadPending(cmd.Context(), o.Namespace, o.Pod)
	var notFound *cluster.PodNotFoundError
	switch {
	case errors.As(err, &notFound):
		return notFound
	case apierrors.IsForbidden(err):
		return fmt.Errorf("not allowed to read pod %s/%s: %s", o.Namespace, o.Pod, render.Sanitize(apiMessage(err)))
	case err != nil:
		return &connError{context: o.Context, server: o.Server, err: err}
	}
	d := diagnose.Diagnose(diagnose.Input{
		Pod: snap.Pod, Nodes: snap.Nodes, Assigned: snap.Assigned, Events: snap.Events, Gaps: snap.Gaps,
		NodesRead: snap.NodesRead, LeaseNames: snap.LeaseNames, Namespaces: snap.Namespaces, Volumes: snap.Volumes,
	}, o.Now())
	if o.Output != render.FormatText {
		return render.Structured(o.Out, d, o.Output)
	}
	return render.DiagnosisText(o.Out, d, o.colour())
}

func apiMessage(err error) string {
	var status apierrors.APIStatus
	if errors.As(err, &status) && status.Status().Message != "" {
		return status.Status().Message
	}
	return err.Error()
}
