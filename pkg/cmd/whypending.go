package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/explain-nodes/kubectl-explain-nodes/internal/phrase"
	"github.com/explain-nodes/kubectl-explain-nodes/pkg/api/v1alpha1"
	"github.com/explain-nodes/kubectl-explain-nodes/pkg/cluster"
	"github.com/explain-nodes/kubectl-explain-nodes/pkg/diagnose"
	"github.com/explain-nodes/kubectl-explain-nodes/pkg/render"
)

const whyPendingExample = `  # Why is my-pod not running? (current namespace)
  kubectl explain-nodes why-pending my-pod

  # In another namespace
  kubectl explain-nodes why-pending web-7d4b9 -n shop

  # Every Pending pod of the namespace, grouped by cause; -A for all namespaces
  kubectl explain-nodes why-pending
  kubectl explain-nodes why-pending -A

  # As JSON, with the per-node verdicts
  kubectl explain-nodes why-pending web-7d4b9 -n shop -o json

  # A controller whose pods are missing or waiting: pods it could not
  # create (a ResourceQuota or LimitRange refused them), and its pods
  kubectl explain-nodes why-pending deployment/api -n shop

  # In CI, after kubectl apply: wait up to 2 minutes for the namespace's pods
  # to leave Pending; if some have not, explain them and exit with status 3
  kubectl explain-nodes why-pending -n shop --wait 2m

  # Only the Pending pods of one app, in every namespace
  kubectl explain-nodes why-pending -A -l app=web

  # Explain a scheduler message from a log, with no cluster
  kubectl explain-nodes why-pending --message "0/3 nodes are available: 3 Insufficient cpu."
  kubectl logs my-operator | grep 'nodes are available' | kubectl explain-nodes why-pending --message -`

// WhyPendingOptions are the options of `kubectl explain-nodes why-pending [POD]`.
type WhyPendingOptions struct {
	*Common
	Namespace     string
	AllNamespaces bool
	Pod           string
	// Selector, without POD, keeps the Pending pods whose labels match.
	Selector string
	// Message is a scheduler message to explain without a cluster; "-"
	// reads it from standard input.
	Message string
	// Wait, when Gate is set, is how long to watch for the selected pods to
	// leave Pending before explaining those that have not; with Gate, pods
	// still Pending make the command exit with ExitGate.
	Wait time.Duration
	Gate bool
}

func newCmdWhyPending(common *Common) *cobra.Command {
	o := &WhyPendingOptions{Common: common}
	cmd := &cobra.Command{
		Use:   "why-pending [POD | KIND/NAME]",
		Short: "Explain, node by node, why a pod is not scheduled, and what would fix it",
		Long: `Explain why a pod is Pending. For a pod the scheduler cannot place, every node
is checked with the scheduler's own filters (cordon, taints, node selector and
affinity, host ports, resources), each failure is named with the scheduler's
reason and the exact taint, label or resource involved, and the per-node
verdicts are counted into the scheduler's "0/N nodes are available" message and
compared with what the scheduler itself said.

With KIND/NAME (deployment, replicaset, statefulset, daemonset or job, in
kubectl's spellings), the controller's pods are explained, and so are the
pods it could not create: a ResourceQuota or LimitRange that refused them,
with the numbers.

Without POD, every Pending pod of the namespace (all namespaces with -A) is
listed, grouped by cause and fix, followed by the controllers that could not
create their pods. A pending pod's cluster autoscaler or Karpenter events say
whether a node is being added for it. With --message, a message copied from a
log or CI output is explained without any cluster: the scheduler's of any
release since 1.5 (with the releases that printed an older wording and what
today's scheduler calls it), or a cluster autoscaler's or Karpenter's event.

With --wait DURATION (for CI), the pod, or the Pending pods of the namespace
(-A: of the cluster), are watched until none is Pending or the time is up;
then what is still Pending is explained. The exit status is 0 when no
selected pod is Pending (all were scheduled and their containers started or
finished), 3 when some still are, and 1 when the cluster could not be read.
--wait 0 waits for nothing but sets the exit status the same way. A pod
created after the wait ends is not waited for: after kubectl apply, wait for
the controller to create its pods first (kubectl rollout status).`,
		Example: whyPendingExample,
		Args:    maxArgs(1, "the pod's name, or KIND/NAME"),
		ValidArgsFunction: func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
			if len(args) > 0 {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			return completeFrom(common, pendingPodNames)(cmd, args, toComplete)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				o.Pod = args[0]
			}
			if err := o.Validate(cmd); err != nil {
				return err
			}
			if o.Message != "" {
				return o.RunMessage()
			}
			if err := o.Complete(); err != nil {
				return err
			}
			if o.Pod == "" {
				return o.RunAll(cmd)
			}
			return o.Run(cmd)
		},
	}
	cmd.Flags().BoolVarP(&o.AllNamespaces, "all-namespaces", "A", false, "Without POD: list the Pending pods of every namespace")
	cmd.Flags().StringVarP(&o.Selector, "selector", "l", "", "Without POD: only the Pending pods whose labels match this selector (for example app=web,tier!=cache), as kubectl get pods -l")
	cmd.Flags().DurationVar(&o.Wait, "wait", 0, "Watch until no selected pod is Pending or this time is up (for example 2m), then explain the ones still Pending and exit with status 3 if there are any")
	cmd.Flags().StringVar(&o.Message, "message", "", `Explain this scheduler message of any release ("0/N nodes are available: ...") or a cluster autoscaler's or Karpenter's event message, without a cluster; "-" reads it from standard input`)
	return cmd
}

// Validate checks flag combinations; it does no I/O.
func (o *WhyPendingOptions) Validate(cmd *cobra.Command) error {
	if err := o.Common.Validate(cmd); err != nil {
		return err
	}
	switch {
	case cmd.Flags().Changed("message") && strings.TrimSpace(o.Message) == "":
		return flagError(cmd, errors.New(`--message is empty: give the scheduler's message ("0/N nodes are available: ..."), or - to read it from standard input`))
	case o.Message != "" && o.Pod != "":
		return flagError(cmd, errors.New("give either POD or --message, not both"))
	case o.Output == render.FormatWide:
		return flagError(cmd, errors.New("-o wide is for the node overview; why-pending lists every node already (text, json or yaml)"))
	case o.AllNamespaces && o.Pod != "":
		return flagError(cmd, errors.New("-A lists every Pending pod; it does not go with POD"))
	case o.Selector != "" && (o.Pod != "" || o.Message != ""):
		return flagError(cmd, errors.New("-l selects among the Pending pods of a namespace (or of all with -A); it does not go with POD or --message"))
	case o.Wait < 0:
		return flagError(cmd, fmt.Errorf("--wait must not be negative, got %s", o.Wait))
	case cmd.Flags().Changed("wait") && o.Message != "":
		return flagError(cmd, errors.New("--wait watches the cluster's pods; it does not go with --message"))
	case cmd.Flags().Changed("wait") && o.From != "":
		return flagError(cmd, errors.New("--wait watches the live cluster's pods; it does not go with --from"))
	case o.Message != "" && o.From != "":
		return flagError(cmd, errors.New("--message explains a message without any cluster; it does not go with --from"))
	}
	if err := checkSelector(cmd, o.Selector); err != nil {
		return err
	}
	o.Gate = cmd.Flags().Changed("wait")
	if o.Pod != "" {
		kind, _, err := target(o.Pod)
		if err != nil {
			return flagError(cmd, err)
		}
		if o.Gate && kind != "Pod" {
			return flagError(cmd, fmt.Errorf("--wait watches pods: give POD, or no argument for the namespace's pods, not %s", o.Pod))
		}
		if o.From != "" && kind != "Pod" {
			return flagError(cmd, fmt.Errorf("why-pending %s reads the controller, its quotas and limit ranges from the live cluster; with --from, give a pod, or no argument for the Pending pods", o.Pod))
		}
	}
	return nil
}

// RunMessage explains a scheduler message without a cluster.
func (o *WhyPendingOptions) RunMessage() error {
	msg := o.Message
	if msg == "-" {
		b, err := io.ReadAll(io.LimitReader(o.In, 1<<20))
		if err != nil {
			return fmt.Errorf("reading the message from standard input: %w", err)
		}
		msg = strings.TrimSpace(string(b))
		if msg == "" {
			return errors.New("--message - read nothing from standard input")
		}
	}
	e := diagnose.ExplainMessage(msg)
	if !e.Recognised {
		return fmt.Errorf("%q is not a scheduler message this tool recognises: it expects a scheduler message of any release (\"0/N nodes are available: ...\", \"No nodes are available that match all of the predicates: ...\", \"fit failure summary on nodes : ...\") or one of its reasons, or a cluster autoscaler's or Karpenter's event message", render.Sanitize(truncate(msg, 200)))
	}
	if o.Output != render.FormatText {
		return render.Structured(o.Out, e, o.Output)
	}
	return render.MessageText(o.Out, e, o.text())
}

// RunAll lists every Pending pod, grouped by cause.
func (o *WhyPendingOptions) RunAll(cmd *cobra.Command) error {
	ns := o.Namespace
	if o.AllNamespaces {
		ns = ""
	}
	if o.dump == nil {
		if err := o.wait(cmd, o.reader(), ns, ""); err != nil {
			return err
		}
	}
	r := o.source()
	snap, err := r.ReadAllPending(cmd.Context(), ns, o.Selector)
	switch {
	case apierrors.IsForbidden(err):
		return fmt.Errorf("not allowed to list pods%s: %s", inNamespace(ns), render.Sanitize(apiMessage(err)))
	case err != nil:
		return o.readError(err)
	}
	ds := diagnose.DiagnoseAll(snap, o.Now())
	list := diagnose.Group(ds, ns, snap.Gaps, o.Now())
	list.From = o.dumpSource()
	// Controllers that could not create their pods have none pending.
	failures, err := r.ReadCreateFailures(cmd.Context(), ns)
	switch {
	case err == nil:
		list.CreateFailures = diagnose.NamespaceCreateFailures(failures)
	case apierrors.IsForbidden(err) || apierrors.IsTimeout(err) || apierrors.IsServerTimeout(err):
		list.Unread = append(list.Unread, v1alpha1.Gap{What: "events" + inNamespace(ns), Resource: "events", Namespace: ns, Reason: string(apierrors.ReasonForError(err)), Message: apiMessage(err)})
	default:
		return o.readError(err)
	}
	if o.Output != render.FormatText {
		err = render.Structured(o.Out, list, o.Output)
	} else {
		o.writeFrom()
		err = render.PendingListText(o.Out, list, o.text())
	}
	if err != nil || !o.Gate || len(snap.Pending) == 0 {
		return err
	}
	return &gateError{msg: fmt.Sprintf("%s Pending%s%s", phrase.Plural(len(snap.Pending), "pod"), inNamespace(ns), o.waited())}
}

// wait, with --wait, watches the pod named (or the Pending pods of ns) until
// none is Pending or the time is up; either way the caller then reads and
// explains what is left.
func (o *WhyPendingOptions) wait(cmd *cobra.Command, r *cluster.Reader, ns, pod string) error {
	if o.Wait <= 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(cmd.Context(), o.Wait)
	defer cancel()
	err := r.WaitUntilNonePending(ctx, ns, pod, o.Selector)
	switch {
	case err == nil || errors.Is(err, context.DeadlineExceeded) && cmd.Context().Err() == nil:
		return nil
	case apierrors.IsForbidden(err):
		return fmt.Errorf("not allowed to watch pods%s, which --wait needs: %s", inNamespace(ns), render.Sanitize(apiMessage(err)))
	}
	return &connError{context: o.Context, server: o.Server, err: err}
}

func truncate(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

func inNamespace(ns string) string {
	if ns == "" {
		return " in all namespaces"
	}
	return " in namespace " + ns
}

// Complete resolves the namespace as kubectl does: -n, else the context's.
func (o *WhyPendingOptions) Complete() error {
	if err := o.Common.Complete(); err != nil {
		return err
	}
	ns, err := o.namespace()
	o.Namespace = ns
	return err
}

// RunController explains a controller's missing or waiting pods.
func (o *WhyPendingOptions) RunController(cmd *cobra.Command, kind, name string) error {
	r := o.reader()
	snap, err := r.ReadController(cmd.Context(), kind, o.Namespace, name)
	var notFound *cluster.ControllerNotFoundError
	switch {
	case errors.As(err, &notFound):
		return notFound
	case apierrors.IsForbidden(err):
		return fmt.Errorf("not allowed to read %s %s/%s: %s", strings.ToLower(kind), o.Namespace, name, render.Sanitize(apiMessage(err)))
	case err != nil:
		return &connError{context: o.Context, server: o.Server, err: err}
	}
	d := diagnose.DiagnoseController(snap, o.Now())
	if o.Output != render.FormatText {
		return render.Structured(o.Out, d, o.Output)
	}
	return render.ControllerText(o.Out, d, o.text())
}

// target reads POD, pod/NAME or KIND/NAME (deployment, replicaset,
// statefulset, daemonset, job, in kubectl's spellings).
func target(arg string) (kind, name string, err error) {
	k, n, ok := strings.Cut(arg, "/")
	if !ok {
		return "Pod", arg, nil
	}
	if n == "" || strings.Contains(n, "/") {
		return "", "", fmt.Errorf("%q is not POD or KIND/NAME", arg)
	}
	switch lk := strings.ToLower(k); {
	case lk == "pod" || lk == "pods" || lk == "po":
		return "Pod", n, nil
	case cluster.ControllerKinds[lk] != "":
		return cluster.ControllerKinds[lk], n, nil
	}
	return "", "", fmt.Errorf("why-pending explains pods and the controllers that make them (deployment, replicaset, statefulset, daemonset, job), not %q", k)
}

// Run reads the pod and the nodes and prints the diagnosis.
func (o *WhyPendingOptions) Run(cmd *cobra.Command) error {
	kind, name, _ := target(o.Pod)
	if kind != "Pod" {
		return o.RunController(cmd, kind, name)
	}
	o.Pod = name
	if o.dump == nil {
		if err := o.wait(cmd, o.reader(), o.Namespace, o.Pod); err != nil {
			return err
		}
	}
	snap, err := o.source().ReadPending(cmd.Context(), o.Namespace, o.Pod)
	if err != nil {
		return o.podReadError(err, o.Namespace, o.Pod)
	}
	d := diagnose.Diagnose(snap, o.Now())
	d.From = o.dumpSource()
	if o.Output != render.FormatText {
		err = render.Structured(o.Out, d, o.Output)
	} else {
		o.writeFrom()
		err = render.DiagnosisText(o.Out, d, o.text())
	}
	if err != nil || !o.Gate || snap.Pod.Status.Phase != corev1.PodPending {
		return err
	}
	return &gateError{msg: fmt.Sprintf("pod %s/%s is Pending%s", o.Namespace, o.Pod, o.waited())}
}

// waited says how long --wait waited, for the gate's message.
func (o *WhyPendingOptions) waited() string {
	if o.Wait <= 0 {
		return ""
	}
	return " after waiting " + o.Wait.String()
}

func apiMessage(err error) string {
	var status apierrors.APIStatus
	if errors.As(err, &status) && status.Status().Message != "" {
		return status.Status().Message
	}
	return err.Error()
}
