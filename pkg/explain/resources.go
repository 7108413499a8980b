package explain

import (
	"sort"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/explain-nodes/kubectl-explain-nodes/internal/phrase"
	"github.com/explain-nodes/kubectl-explain-nodes/pkg/cluster"
)

// Free is what is left of the resource for new pods' requests.
func (r NodeResource) Free() int64 { return max(r.Allocatable-max(r.Requested, 0), 0) }

// Format prints an amount of the resource in its unit.
func (r NodeResource) Format(v int64) string {
	if r.Unit == UnitBytes {
		return phrase.Bytes(v)
	}
	return strconv.FormatInt(v, 10)
}

// accelerators are the extended resources of accelerators that do not say
// "gpu" in their name.
var accelerators = map[string]bool{
	"aws.amazon.com/neuron": true, "aws.amazon.com/neuroncore": true, "aws.amazon.com/neurondevice": true,
	"google.com/tpu": true, "habana.ai/gaudi": true, "xilinx.com/fpga": true,
}

// IsAccelerator says whether a resource is a GPU or another accelerator:
// nvidia.com/gpu, amd.com/gpu, gpu.intel.com/i915, nvidia.com/mig-1g.5gb,
// google.com/tpu.
func IsAccelerator(name string) bool {
	return strings.Contains(name, "gpu") || strings.HasPrefix(name, "nvidia.com/mig-") || accelerators[name]
}

// nodeResources lists a node's resources other than CPU, memory and pods,
// with what its pods request of each.
func nodeResources(n *corev1.Node, pods []cluster.Pod, podsRead bool) []NodeResource {
	names := map[corev1.ResourceName]bool{}
	for name := range n.Status.Capacity {
		names[name] = true
	}
	for name := range n.Status.Allocatable {
		names[name] = true
	}
	var out []NodeResource
	for name := range names {
		switch name {
		case corev1.ResourceCPU, corev1.ResourceMemory, corev1.ResourcePods:
			continue
		}
		c, a := n.Status.Capacity[name], n.Status.Allocatable[name]
		r := NodeResource{Name: string(name), Unit: UnitCount, Capacity: c.Value(), Allocatable: a.Value(), Accelerator: IsAccelerator(string(name))}
		if name == corev1.ResourceEphemeralStorage || strings.HasPrefix(string(name), corev1.ResourceHugePagesPrefix) {
			r.Unit = UnitBytes
		}
		if r.Capacity == 0 && r.Allocatable == 0 {
			continue
		}
		r.Requested = -1
		if podsRead {
			r.Requested = 0
			for _, p := range pods {
				r.Requested += p.Extended[name]
			}
		}
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Accelerator != out[j].Accelerator {
			return out[i].Accelerator
		}
		return out[i].Name < out[j].Name
	})
	return out
}
