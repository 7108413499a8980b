// Package plugintest holds what the e2e suite (kwok) and the kind suite share:
// running the built plugin through the real kubectl, binding deploy/rbac.yaml
// to a user, and reading the API server's audit log.
package plugintest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/clientcmd"
)

// Result is what one command printed, and its exit code.
type Result struct {
	Stdout, Stderr string
	Code           int
}

func (r Result) String() string {
	return fmt.Sprintf("exit %d\n--- stdout\n%s--- stderr\n%s", r.Code, r.Stdout, r.Stderr)
}

// Install builds the plugin and its completion helper from the repository
// at repo, stamped with version and commit, into a new temporary directory beside a
// link to kubectl, and returns the directory (the caller removes it) and a
// client of the cluster kubeconfig names.
func Install(repo, kubectl, kubeconfig, version, commit string) (binDir string, client kubernetes.Interface, err error) {
	dir, err := os.MkdirTemp("", "explain-nodes-plugin-")
	if err != nil {
		return "", nil, err
	}
	const pkg = "github.com/explain-nodes/kubectl-explain-nodes/pkg/cmd"
	for _, b := range [][]string{
		{"-o", filepath.Join(dir, "kubectl-explain_nodes"), "-ldflags", "-X " + pkg + ".version=" + version + " -X " + pkg + ".commit=" + commit, "./cmd/kubectl-explain_nodes"},
		{"-o", filepath.Join(dir, "kubectl_complete-explain_nodes"), "./cmd/kubectl_complete-explain_nodes"},
	} {
		build := exec.Command("go", append([]string{"-C", repo, "build"}, b...)...)
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			os.RemoveAll(dir)
			return "", nil, fmt.Errorf("building %s: %w", b[len(b)-1], err)
		}
	}
	if err := os.Symlink(kubectl, filepath.Join(dir, "kubectl")); err != nil {
		os.RemoveAll(dir)
		return "", nil, err
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		os.RemoveAll(dir)
		return "", nil, fmt.Errorf("loading %s: %w", kubeconfig, err)
	}
	cfg.QPS, cfg.Burst = 100, 200
	if client, err = kubernetes.NewForConfig(cfg); err != nil {
		os.RemoveAll(dir)
		return "", nil, err
	}
	return dir, client, nil
}

// Kubectl runs `kubectl ARGS...` from binDir, where the plugin is too, with
// nothing else on PATH that could shadow them, the given kubeconfig, and any
// extra environment (KEY=VALUE). It fails the test only when kubectl cannot
// be run at all; it gives up after two minutes.
func Kubectl(t testing.TB, binDir, kubeconfig string, env []string, args ...string) Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(binDir, "kubectl"), args...)
	cmd.Env = append([]string{
		"PATH=" + binDir + string(os.PathListSeparator) + "/usr/bin:/bin",
		"HOME=" + t.TempDir(),
		"KUBECONFIG=" + kubeconfig,
	}, env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := Result{Stdout: stdout.String(), Stderr: stderr.String()}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		r.Code = exit.ExitCode()
	case err != nil:
		t.Fatalf("running kubectl %s: %v", strings.Join(args, " "), err)
	}
	return r
}

// ExplainNodes runs `kubectl explain-nodes ARGS...` as Kubectl does and
// fails the test unless it exits 0.
func ExplainNodes(t testing.TB, binDir, kubeconfig string, args ...string) Result {
	t.Helper()
	r := Kubectl(t, binDir, kubeconfig, nil, append([]string{"explain-nodes"}, args...)...)
	if r.Code != 0 {
		t.Fatalf("kubectl explain-nodes %s: %s", strings.Join(args, " "), r)
	}
	return r
}

// ApplyRBAC creates the roles of rbacFile (deploy/rbac.yaml), replacing
// ClusterRoles of the same name so that the file's current rules hold, and
// binds each to user.
func ApplyRBAC(t testing.TB, c kubernetes.Interface, rbacFile, user string) {
	t.Helper()
	ctx := context.Background()
	raw, err := os.ReadFile(rbacFile)
	if err != nil {
		t.Fatal(err)
	}
	subjects := []rbacv1.Subject{{Kind: "User", APIGroup: "rbac.authorization.k8s.io", Name: user}}
	decode := scheme.Codecs.UniversalDeserializer().Decode
	for _, doc := range strings.Split(string(raw), "\n---\n") {
		obj, _, err := decode([]byte(doc), nil, nil)
		if err != nil {
			t.Fatalf("decoding %s: %v", rbacFile, err)
		}
		switch o := obj.(type) {
		case *rbacv1.ClusterRole:
			_ = c.RbacV1().ClusterRoles().Delete(ctx, o.Name, metav1.DeleteOptions{})
			_, err := c.RbacV1().ClusterRoles().Create(ctx, o, metav1.CreateOptions{})
			createOrKeep(t, err)
			_, err = c.RbacV1().ClusterRoleBindings().Create(ctx, &rbacv1.ClusterRoleBinding{
				ObjectMeta: metav1.ObjectMeta{Name: "explain-nodes:" + user},
				RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: o.Name},
				Subjects:   subjects}, metav1.CreateOptions{})
			createOrKeep(t, err)
		case *rbacv1.Role:
			_ = c.RbacV1().Roles(o.Namespace).Delete(ctx, o.Name, metav1.DeleteOptions{})
			_, err := c.RbacV1().Roles(o.Namespace).Create(ctx, o, metav1.CreateOptions{})
			createOrKeep(t, err)
			_, err = c.RbacV1().RoleBindings(o.Namespace).Create(ctx, &rbacv1.RoleBinding{
				ObjectMeta: metav1.ObjectMeta{Name: "explain-nodes:" + user, Namespace: o.Namespace},
				RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "Role", Name: o.Name},
				Subjects:   subjects}, metav1.CreateOptions{})
			createOrKeep(t, err)
		default:
			t.Fatalf("%s holds a %T", rbacFile, obj)
		}
	}
}

func createOrKeep(t testing.TB, err error) {
	t.Helper()
	if err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
}

// AuditVerbs returns, by verb, the request URIs an API server's audit log
// (one JSON event a line) recorded for user.
func AuditVerbs(log []byte, user string) map[string][]string {
	verbs := map[string][]string{}
	for _, line := range bytes.Split(log, []byte("\n")) {
		if !bytes.Contains(line, []byte(`"username":"`+user+`"`)) {
			continue
		}
		verb := field(line, "verb")
		verbs[verb] = append(verbs[verb], field(line, "requestURI"))
	}
	return verbs
}

// field pulls a top-level string field out of one JSON audit line.
func field(line []byte, name string) string {
	key := []byte(`"` + name + `":"`)
	i := bytes.Index(line, key)
	if i < 0 {
		return ""
	}
	rest := line[i+len(key):]
	j := bytes.IndexByte(rest, '"')
	if j < 0 {
		return ""
	}
	return string(rest[:j])
}
