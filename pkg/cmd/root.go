package cmd

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/explain-nodes/kubectl-explain-nodes/internal/phrase"
	"github.com/explain-nodes/kubectl-explain-nodes/pkg/cluster"
	"github.com/explain-nodes/kubectl-explain-nodes/pkg/explain"
	"github.com/explain-nodes/kubectl-explain-nodes/pkg/render"
)

const rootExample = `  # Explain every node of the current cluster
  kubectl explain-nodes

  # The same, with what the control plane and each node's components are
  kubectl explain-nodes --explain

  # Every node, with its pool, zone, address and runtime
  kubectl explain-nodes -o wide

  # One node pool only
  kubectl explain-nodes -l cloud.google.com/gke-nodepool=batch

  # Explain two nodes only
  kubectl explain-nodes worker-1 worker-2

  # The same, as JSON, for scripts
  kubectl explain-nodes -o json

  # Another kubeconfig context
  kubectl explain-nodes --context staging

  # Why is a pod stuck in Pending?
  kubectl explain-nodes why-pending my-pod -n my-namespace`

// NodesOptions are the options of `kubectl explain-nodes [NODE...]`.
type NodesOptions struct {
	Common
	NodeNames []string
	// FailOn, if set, is the least severe finding that makes the command
	// exit with ExitGate.
	FailOn string
	// Explain adds to the overview what the components are.
	Explain bool
	// Selector keeps the nodes whose labels match.
	Selector string
	// GroupBy is the label that groups nodes into pools.
	GroupBy string
}

// NewCmdExplainNodes returns the root command.
func NewCmdExplainNodes(streams genericiooptions.IOStreams) *cobra.Command {
	return NewCmdExplainNodesWithTransport(streams, nil)
}

// NewCmdExplainNodesWithTransport returns the root command whose API client
// sends every request through wrap(transport); tests use it to watch what
// the plugin sends.
func NewCmdExplainNodesWithTransport(streams genericiooptions.IOStreams, wrap func(http.RoundTripper) http.RoundTripper) *cobra.Command {
	return NewCmdExplainNodesWithHooks(streams, Hooks{WrapTransport: wrap})
}

// Hooks are what tests change in how the commands read the cluster.
type Hooks struct {
	// WrapTransport, if set, wraps the API client's transport.
	WrapTransport func(http.RoundTripper) http.RoundTripper
	// PageSize and NoStreaming are given to every cluster.Reader.
	PageSize    int64
	NoStreaming bool
}

// NewCmdExplainNodesWithHooks returns the root command with the given hooks.
func NewCmdExplainNodesWithHooks(streams genericiooptions.IOStreams, h Hooks) *cobra.Command {
	o := &NodesOptions{Common: Common{
		ConfigFlags: genericclioptions.NewConfigFlags(true),
		IOStreams:   streams,
		Hooks:       h,
	}}
	cmd := &cobra.Command{
		Use: "explain-nodes [NODE...]",
		Annotations: map[string]string{
			// Help and errors name the command as users type it.
			cobra.CommandDisplayNameAnnotation: "kubectl explain-nodes",
		},
		Short: "Explain a cluster's nodes and why pods are pending, in plain language",
		Long: `Explain a cluster's nodes in plain language: what the control plane and each
worker node are, what state they are in right now, and what that means for
your pods. Use "why-pending" to learn, node by node, why a pod is not scheduled.

The plugin only reads from the cluster; it never changes anything.`,
		Example: rootExample,
		// Arguments are node names; a mistyped subcommand is caught in Run.
		Args:          cobra.ArbitraryArgs,
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.NodeNames = args
			if err := o.Validate(cmd); err != nil {
				return err
			}
			if err := o.Complete(); err != nil {
				return err
			}
			return o.Run(cmd)
		},
	}
	cmd.SetFlagErrorFunc(flagError)
	cmd.SuggestionsMinimumDistance = 2
	// `completion bash|zsh|fish|powershell` writes the shell's completion
	// script; kubectl itself completes `kubectl explain-nodes <TAB>` through
	// the kubectl_complete-explain_nodes helper.
	cmd.CompletionOptions.HiddenDefaultCmd = false
	cmd.ValidArgsFunction = completeFrom(&o.Common, nodeNames)
	o.addFlags(cmd)
	cmd.Flags().StringVarP(&o.Selector, "selector", "l", "", "Only the nodes whose labels match this selector (for example cloud.google.com/gke-nodepool=batch), as kubectl get nodes -l; the control plane is still checked")
	cmd.Flags().StringVar(&o.GroupBy, "group-by", "", "Group the nodes into pools by this label's value, instead of the first pool label found (GKE, EKS, AKS, Karpenter, kOps, Cluster API)")
	cmd.Flags().BoolVar(&o.Explain, "explain", false, "Also explain what the control plane and each node's components are, and how this cluster runs them (text output of the overview)")
	cmd.Flags().StringVar(&o.FailOn, "fail-on", "", "Exit with status 3 when a finding is at least this severe ("+strings.Join(failOnSeverities, "|")+"), or when part of the cluster could not be read")
	_ = cmd.RegisterFlagCompletionFunc("namespace", completeFrom(&o.Common, namespaceNames))
	_ = cmd.RegisterFlagCompletionFunc("output", fixed(render.Formats...))
	_ = cmd.RegisterFlagCompletionFunc("color", fixed(colorAuto, colorAlways, colorNever))
	_ = cmd.RegisterFlagCompletionFunc("fail-on", fixed(failOnSeverities...))
	cmd.AddCommand(newCmdVersion(streams))
	cmd.AddCommand(newCmdWhyPending(&o.Common))
	cmd.AddCommand(newCmdWhyHere(&o.Common))
	return cmd
}

// Validate checks flag values; it does no I/O.
func (o *NodesOptions) Validate(cmd *cobra.Command) error {
	if err := o.Common.Validate(cmd); err != nil {
		return err
	}
	if o.Selector != "" && len(o.NodeNames) > 0 {
		return flagError(cmd, errors.New("give node names or -l, not both"))
	}
	if err := checkSelector(cmd, o.Selector); err != nil {
		return err
	}
	if errs := validation.IsQualifiedName(o.GroupBy); o.GroupBy != "" && len(errs) > 0 {
		return flagError(cmd, fmt.Errorf("--group-by %q is not a label key: %s", render.Sanitize(o.GroupBy), strings.Join(errs, "; ")))
	}
	if o.FailOn != "" && !slices.Contains(failOnSeverities, o.FailOn) {
		return flagError(cmd, fmt.Errorf("--fail-on must be one of %s, got %q", strings.Join(failOnSeverities, ", "), o.FailOn))
	}
	return nil
}

// Run reads the cluster and prints the report.
func (o *NodesOptions) Run(cmd *cobra.Command) error {
	r := o.source()
	var snap *cluster.Snapshot
	var err error
	if len(o.NodeNames) > 0 {
		snap, err = r.ReadNodes(cmd.Context(), o.NodeNames)
	} else {
		snap, err = r.ReadOverview(cmd.Context())
	}
	if err != nil {
		return o.readError(err)
	}
	if err := o.checkNamed(cmd, r, snap); err != nil {
		return err
	}
	detail := len(o.NodeNames) > 0
	var selector labels.Selector
	if o.Selector != "" {
		selector, _ = labels.Parse(o.Selector) // checked in Validate
	}
	report := explain.Explain(snap, o.Now(), explain.Options{Detail: detail, Selector: selector, GroupBy: o.GroupBy})
	report.From = o.dumpSource()
	if o.Selector != "" && len(report.Nodes) == 0 && len(snap.Nodes) > 0 {
		return fmt.Errorf("no node matches the selector %q (the cluster has %s; `kubectl get nodes --show-labels` lists their labels)",
			render.Sanitize(o.Selector), phrase.Plural(len(snap.Nodes), "node"))
	}
	if o.Output != render.FormatText && o.Output != render.FormatWide {
		err = render.Structured(o.Out, report, o.Output)
	} else {
		text := o.text()
		text.Explain, text.Wide = o.Explain, o.Output == render.FormatWide
		err = render.ReportText(o.Out, report, text, detail)
	}
	if err != nil {
		return err
	}
	// Without the nodes the report cannot do its job: say so in the exit code.
	for _, g := range snap.Gaps {
		if g.Resource == "nodes" {
			return fmt.Errorf("the nodes could not be read from %s (%s): %s", o.Server, g.Reason, render.Sanitize(strings.TrimSuffix(g.Message, ".")))
		}
	}
	return failOn(o.FailOn, report)
}

// checkSelector checks a label selector's syntax as kubectl does.
func checkSelector(cmd *cobra.Command, selector string) error {
	if _, err := labels.Parse(selector); err != nil {
		return flagError(cmd, fmt.Errorf("-l %q is not a label selector: %s", render.Sanitize(selector), render.Sanitize(err.Error())))
	}
	return nil
}

// checkNamed fails for a named node that does not exist, naming the closest
// existing ones.
func (o *NodesOptions) checkNamed(cmd *cobra.Command, r cluster.Source, snap *cluster.Snapshot) error {
	found := map[string]bool{}
	for _, n := range snap.Nodes {
		found[n.Name] = true
	}
	for _, name := range o.NodeNames {
		if found[name] || unreadNode(snap, name) {
			continue
		}
		msg := fmt.Sprintf("node %q not found", name)
		if o.dump != nil {
			msg = fmt.Sprintf("node %q not found in %s", name, o.Server)
		}
		all, err := r.NodeNames(cmd.Context())
		if near := phrase.Closest(name, all, 3); err == nil && len(near) > 0 {
			msg += "; the closest names are " + render.Sanitize(strings.Join(near, ", "))
		} else if o.dump != nil {
			msg += fmt.Sprintf("; it holds %s", phrase.Plural(len(all), "node"))
		} else {
			msg += "; `kubectl get nodes` lists the cluster's nodes"
		}
		if s := cmd.SuggestionsFor(name); len(s) > 0 && len(o.NodeNames) == 1 {
			msg += fmt.Sprintf("; did you mean `kubectl explain-nodes %s`?", s[0])
		}
		return errors.New(msg)
	}
	return nil
}

func unreadNode(s *cluster.Snapshot, name string) bool {
	return cluster.GapIn(s.Gaps, "nodes", name)
}
