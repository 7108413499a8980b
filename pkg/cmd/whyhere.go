package cmd

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/explain-nodes/kubectl-explain-nodes/pkg/diagnose"
	"github.com/explain-nodes/kubectl-explain-nodes/pkg/render"
)

const whyHereExample = `  # Why is my-pod on its node? (current namespace)
  kubectl explain-nodes why-here my-pod

  # In another namespace, as JSON with every node's score by plugin
  kubectl explain-nodes why-here web-7d4b9 -n shop -o json

  # With the scheduler's own configuration (weights, plugins, strategy)
  kubectl explain-nodes why-here web-7d4b9 -n shop --scheduler-config /etc/kubernetes/scheduler.yaml`

// WhyHereOptions are the options of `kubectl explain-nodes why-here POD`.
type WhyHereOptions struct {
	*Common
	Namespace string
	Pod       string
	// SchedulerConfig is a KubeSchedulerConfiguration file whose profile
	// replaces the default one.
	SchedulerConfig string
	profiles        []*diagnose.Profile
}

func newCmdWhyHere(common *Common) *cobra.Command {
	o := &WhyHereOptions{Common: common}
	cmd := &cobra.Command{
		Use:   "why-here POD",
		Short: "Explain why the scheduler put a pod on its node: every feasible node's score, plugin by plugin",
		Long: `Explain why a pod runs where it does. The scheduler's decision is recomputed
as of now, without the pod: which nodes pass its filters (the failing ones
are summarised as in why-pending), and, for every node that does, the score
of each score plugin of the scheduler's profile (TaintToleration,
NodeAffinity, NodeResourcesFit, PodTopologySpread, InterPodAffinity,
NodeResourcesBalancedAllocation, ImageLocality, ...), normalised and weighted
as the scheduler does. The pod's node is compared with the runner-up, and
what made the difference is said in words.

What cannot be known is said: the pods and nodes added since the pod was
placed, the sample of nodes the scheduler scores in large clusters
(percentageOfNodesToScore), a pod placed by spec.nodeName or another
scheduler. A scheduler configured with other weights or plugins is followed
with --scheduler-config.`,
		Example: whyHereExample,
		Args:    exactPod,
		ValidArgsFunction: func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
			if len(args) > 0 {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			return completeFrom(common, boundPodNames)(cmd, args, toComplete)
		},
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
	cmd.Flags().StringVar(&o.SchedulerConfig, "scheduler-config", "", "A KubeSchedulerConfiguration file (kube-scheduler --config): score with the profile it sets for the pod's scheduler instead of the default one")
	return cmd
}

// exactPod accepts exactly one argument, the pod.
func exactPod(cmd *cobra.Command, args []string) error {
	if len(args) != 1 {
		return flagError(cmd, fmt.Errorf("why-here takes one argument, the pod's name; got %d", len(args)))
	}
	return nil
}

// Validate checks the flags and reads --scheduler-config.
func (o *WhyHereOptions) Validate(cmd *cobra.Command) error {
	if err := o.Common.Validate(cmd); err != nil {
		return err
	}
	if o.Output == render.FormatWide {
		return flagError(cmd, errors.New("-o wide is for the node overview; why-here lists every feasible node already (text, json or yaml)"))
	}
	kind, name, err := target(o.Pod)
	if err != nil || kind != "Pod" {
		return flagError(cmd, fmt.Errorf("why-here explains one pod's placement; give the pod's name, not %q", o.Pod))
	}
	o.Pod = name
	if o.SchedulerConfig != "" {
		data, err := os.ReadFile(o.SchedulerConfig)
		if err != nil {
			return fmt.Errorf("reading --scheduler-config: %w", err)
		}
		profiles, err := diagnose.ParseSchedulerConfig(data, o.SchedulerConfig)
		if err != nil {
			return err
		}
		o.profiles = profiles
	}
	return nil
}

// Complete resolves the namespace as kubectl does: -n, else the context's.
func (o *WhyHereOptions) Complete() error {
	if err := o.Common.Complete(); err != nil {
		return err
	}
	ns, err := o.namespace()
	o.Namespace = ns
	return err
}

// Run reads the pod and the cluster and prints the placement.
func (o *WhyHereOptions) Run(cmd *cobra.Command) error {
	snap, err := o.source().ReadPlaced(cmd.Context(), o.Namespace, o.Pod)
	if err != nil {
		return o.podReadError(err, o.Namespace, o.Pod)
	}
	profile := diagnose.ProfileFor(o.profiles, snap.Pod.Spec.SchedulerName)
	p := diagnose.Place(snap, profile, o.Now())
	p.From = o.dumpSource()
	if o.Output != render.FormatText {
		return render.Structured(o.Out, p, o.Output)
	}
	o.writeFrom()
	return render.PlacementText(o.Out, p, o.text())
}
