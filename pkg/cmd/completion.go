package cmd

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/explain-nodes/kubectl-explain-nodes/pkg/render"
)

// completionTimeout bounds the cluster reads behind a TAB press.
const completionTimeout = 5 * time.Second

// completeFrom lists names from the cluster for shell completion; any error
// just means no suggestions.
func completeFrom(o *Common, list func(ctx context.Context, o *Common) ([]string, error)) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if err := o.Complete(); err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		ctx, cancel := context.WithTimeout(cmd.Context(), completionTimeout)
		defer cancel()
		names, err := list(ctx, o)
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		var out []cobra.Completion
		for _, n := range names {
			if strings.HasPrefix(n, toComplete) && !slices.Contains(args, n) {
				out = append(out, render.Sanitize(n))
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

func nodeNames(ctx context.Context, o *Common) ([]string, error) {
	return o.reader().NodeNames(ctx)
}

func namespaceNames(ctx context.Context, o *Common) ([]string, error) {
	return o.reader().NamespaceNames(ctx)
}

// pendingPodNames lists the Pending pods of the namespace in use (-n, or the
// kubeconfig's).
func pendingPodNames(ctx context.Context, o *Common) ([]string, error) {
	ns, _, err := o.ConfigFlags.ToRawKubeConfigLoader().Namespace()
	if err != nil {
		return nil, err
	}
	return o.reader().PendingPodNames(ctx, ns)
}

// boundPodNames completes why-here's POD: the namespace's pods on a node.
func boundPodNames(ctx context.Context, o *Common) ([]string, error) {
	ns, _, err := o.ConfigFlags.ToRawKubeConfigLoader().Namespace()
	if err != nil {
		return nil, err
	}
	return o.reader().BoundPodNames(ctx, ns)
}

// fixed completes a flag from a fixed list of values.
func fixed(values ...string) cobra.CompletionFunc {
	return func(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
		return values, cobra.ShellCompDirectiveNoFileComp
	}
}
