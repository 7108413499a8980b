package cluster

import (
	"context"
	"errors"
	"fmt"
	"sort"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/pager"
)

// PageSize is how many objects one list request asks for.
const PageSize = 500

// Reader reads snapshots through a clientset.
type Reader struct {
	Client kubernetes.Interface
	// Server is copied into every Snapshot.
	Server string
}

// ReadNodes reads the server version and all nodes. It returns an error only
// when the API server could not be reached or did not answer as one; API
// errors such as Forbidden become Gaps.
func (r *Reader) ReadNodes(ctx context.Context) (*Snapshot, error) {
	s := &Snapshot{Server: r.Server}
	if v, err := r.Client.Discovery().ServerVersion(); err != nil {
		if fatal(err) {
			return nil, err
		}
		s.Gaps = append(s.Gaps, gapFor("server version", err))
	} else {
		s.ServerVersion = v.GitVersion
	}

	nodes, err := listNodes(ctx, r.Client)
	if err != nil {
		if fatal(err) {
			return nil, err
		}
		s.Gaps = append(s.Gaps, gapFor("nodes", err))
	}
	s.Nodes = nodes
	return s, nil
}

// listNodes lists every node in pages, served from the API server's cache:
// a node list a moment old explains as well as a fresh one.
func listNodes(ctx context.Context, c kubernetes.Interface) ([]corev1.Node, error) {
	var nodes []corev1.Node
	p := pager.New(func(ctx context.Context, opts metav1.ListOptions) (runtime.Object, error) {
		return c.CoreV1().Nodes().List(ctx, opts)
	})
	p.PageSize = PageSize
	err := p.EachListItem(ctx, metav1.ListOptions{ResourceVersion: "0"}, func(obj runtime.Object) error {
		nodes = append(nodes, *obj.(*corev1.Node))
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("listing nodes: %w", err)
	}
	sort.Slice(nodes, func(i, j int) bool { return nodes[i].Name < nodes[j].Name })
	return nodes, nil
}

// fatal reports whether err means nothing at all can be read: the API server
// could not be reached, did not answer as one, or rejected the credentials.
// Any other API error (a Status) concerns one read only.
func fatal(err error) bool {
	var status apierrors.APIStatus
	return !errors.As(err, &status) || apierrors.IsUnauthorized(err)
}

func gapFor(what string, err error) Gap {
	reason := "Error"
	switch {
	case apierrors.IsForbidden(err):
		reason = "Forbidden"
	case apierrors.IsUnauthorized(err):
		reason = "Unauthorized"
	case apierrors.IsNotFound(err):
		reason = "NotFound"
	case apierrors.IsTimeout(err), apierrors.IsServerTimeout(err):
		reason = "Timeout"
	case apierrors.IsTooManyRequests(err):
		reason = "TooManyRequests"
	case apierrors.IsInternalError(err), apierrors.IsServiceUnavailable(err):
		reason = "ServerError"
	}
	msg := err.Error()
	var status apierrors.APIStatus
	if errors.As(err, &status) && status.Status().Message != "" {
		msg = status.Status().Message
	}
	return Gap{What: what, Reason: reason, Message: msg}
}
