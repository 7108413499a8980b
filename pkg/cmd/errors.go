package cmd

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"regexp"
	"strings"
	"syscall"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/explain-nodes/kubectl-explain-nodes/pkg/render"
)

var (
	execNotFoundRE = regexp.MustCompile(`exec: executable (\S+) not found`)
	execFailedRE   = regexp.MustCompile(`exec: executable (\S+) failed with exit code (\d+)`)
)

// noKubeconfigError says that none of the kubeconfig files exists.
type noKubeconfigError struct{ paths []string }

func (e *noKubeconfigError) Error() string {
	return "no kubeconfig found in " + strings.Join(e.paths, ", ")
}

// connError is a failure to talk to the API server at all. Its message is one
// plain paragraph: what failed, where, the likely cause and what to do next.
type connError struct {
	context string
	server  string
	err     error
}

func (e *connError) Unwrap() error { return e.err }

func (e *connError) Error() string {
	where := "the Kubernetes API server"
	if e.server != "" {
		where += " at " + render.Sanitize(e.server)
	}
	if e.context != "" {
		where += fmt.Sprintf(" (context %q)", render.Sanitize(e.context))
	}
	err := e.err

	var dnsErr *net.DNSError
	var unknownCA x509.UnknownAuthorityError
	var invalidCert x509.CertificateInvalidError
	var hostnameErr x509.HostnameError
	var noConfig *noKubeconfigError
	switch {
	case errors.As(err, &noConfig):
		return fmt.Sprintf("no Kubernetes cluster is configured: there is no kubeconfig at %s. Point --kubeconfig or KUBECONFIG at a cluster's kubeconfig, or create a local cluster (for example `kind create cluster`)", render.Sanitize(strings.Join(noConfig.paths, ", ")))
	case clientcmd.IsEmptyConfig(err):
		return "no Kubernetes cluster is configured: the kubeconfig names no cluster. Point --kubeconfig or KUBECONFIG at a cluster's kubeconfig, or pass --context"
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Sprintf("cannot connect to %s: the connection was refused, so nothing is listening there. The cluster may be stopped (for a local kind or minikube cluster, check `kind get clusters` or `minikube status`), or the kubeconfig points at the wrong address", where)
	case errors.As(err, &dnsErr):
		return fmt.Sprintf("cannot connect to %s: the host name %q does not resolve. Check the server address in the kubeconfig, and your DNS or VPN", where, render.Sanitize(dnsErr.Name))
	case errors.As(err, &unknownCA):
		return fmt.Sprintf("cannot connect to %s: its TLS certificate is signed by an authority the kubeconfig does not trust. The kubeconfig's certificate-authority-data may belong to another cluster, or something is intercepting the connection", where)
	case errors.As(err, &invalidCert) && invalidCert.Reason == x509.Expired:
		return fmt.Sprintf("cannot connect to %s: its TLS certificate has expired (%s). The cluster's certificates need renewing (for kubeadm: `kubeadm certs renew`)", where, render.Sanitize(invalidCert.Detail))
	case errors.As(err, &hostnameErr):
		return fmt.Sprintf("cannot connect to %s: its TLS certificate is not valid for that address (%s)", where, render.Sanitize(hostnameErr.Error()))
	case execNotFoundRE.MatchString(err.Error()):
		m := execNotFoundRE.FindStringSubmatch(err.Error())
		msg := fmt.Sprintf("cannot log in to %s: the kubeconfig's credential plugin %q is not installed (it is not on PATH)", where, render.Sanitize(m[1]))
		if hint := lastLine(err.Error()); !strings.HasPrefix(hint, "exec:") && !strings.Contains(hint, "https://kubernetes.io/docs") {
			msg += ". Its install hint: " + render.Sanitize(hint)
		}
		return msg + ". Install it, or fetch a kubeconfig that does not need it"
	case execFailedRE.MatchString(err.Error()):
		m := execFailedRE.FindStringSubmatch(err.Error())
		return fmt.Sprintf("cannot log in to %s: the kubeconfig's credential plugin %q failed (exit code %s); its own message, if any, is above. Log in again with your provider's tool (for example `aws sso login` or `gcloud auth login`) and retry", where, render.Sanitize(m[1]), m[2])
	case apierrors.IsUnauthorized(err):
		return fmt.Sprintf("%s rejected the credentials (401 Unauthorized). The token or client certificate in the kubeconfig may be wrong or expired; log in again or fetch a fresh kubeconfig", where)
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET):
		return fmt.Sprintf("%s closed the connection in the middle of the run: it may have stopped or restarted. Check that it is up (`kubectl get --raw /readyz`) and try again", where)
	case apierrors.IsTooManyRequests(err):
		return fmt.Sprintf("%s is overloaded and asked the client to slow down (429 Too Many Requests). Try again in a moment", where)
	case apierrors.IsInternalError(err) || apierrors.IsServiceUnavailable(err) || statusCode(err) >= 500:
		return fmt.Sprintf("%s answered with a server error (%s). It may be starting, overloaded or failing; check its health (`kubectl get --raw '/readyz?verbose'`) and try again", where, render.Sanitize(lastLine(err.Error())))
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		return fmt.Sprintf("%s did not answer in time. It may be overloaded or unreachable; try again, or raise --request-timeout", where)
	case errors.Is(err, context.Canceled):
		return "interrupted"
	}
	return fmt.Sprintf("cannot read from %s: %s", where, render.Sanitize(lastLine(err.Error())))
}

// statusCode is the HTTP status of an API error, 0 for other errors.
func statusCode(err error) int32 {
	var status apierrors.APIStatus
	if errors.As(err, &status) {
		return status.Status().Code
	}
	return 0
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout() || apierrors.IsTimeout(err) || apierrors.IsServerTimeout(err)
}

// lastLine keeps the innermost cause of a long wrapped error on one line.
func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndex(s, "\n"); i >= 0 {
		s = s[i+1:]
	}
	return s
}
