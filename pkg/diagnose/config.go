package diagnose

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// schedulerConfig is the part of a KubeSchedulerConfiguration
// (kubescheduler.config.k8s.io/v1) that sets how nodes are scored.
type schedulerConfig struct {
	APIVersion               string          `json:"apiVersion"`
	Kind                     string          `json:"kind"`
	PercentageOfNodesToScore *int32          `json:"percentageOfNodesToScore"`
	Profiles                 []profileConfig `json:"profiles"`
}

type profileConfig struct {
	SchedulerName            string `json:"schedulerName"`
	PercentageOfNodesToScore *int32 `json:"percentageOfNodesToScore"`
	Plugins                  *struct {
		MultiPoint pluginSet `json:"multiPoint"`
		Score      pluginSet `json:"score"`
	} `json:"plugins"`
	PluginConfig []struct {
		Name string         `json:"name"`
		Args map[string]any `json:"args"`
	} `json:"pluginConfig"`
}

type pluginSet struct {
	Enabled  []pluginRef `json:"enabled"`
	Disabled []pluginRef `json:"disabled"`
}

type pluginRef struct {
	Name   string `json:"name"`
	Weight *int32 `json:"weight"`
}

// pluginArgs are the arguments of the score plugins whose scoring they change.
type pluginArgs struct {
	ScoringStrategy *struct {
		Type      string           `json:"type"`
		Resources []ResourceWeight `json:"resources"`
	} `json:"scoringStrategy"`
	Resources                          []ResourceWeight                  `json:"resources"`
	HardPodAffinityWeight              *int32                            `json:"hardPodAffinityWeight"`
	IgnorePreferredTermsOfExistingPods bool                              `json:"ignorePreferredTermsOfExistingPods"`
	DefaultConstraints                 []corev1.TopologySpreadConstraint `json:"defaultConstraints"`
	DefaultingType                     string                            `json:"defaultingType"`
	AddedAffinity                      any                               `json:"addedAffinity"`
}

// ParseSchedulerConfig reads a KubeSchedulerConfiguration and returns one
// scoring profile per scheduler profile, the default scheduler's first when
// the file has one. name names the file in errors.
func ParseSchedulerConfig(data []byte, name string) ([]*Profile, error) {
	var c schedulerConfig
	if err := yaml.Unmarshal(data, &c); err != nil {
		return nil, fmt.Errorf("%s is not a KubeSchedulerConfiguration: %v", name, err)
	}
	if c.Kind != "KubeSchedulerConfiguration" || !strings.HasPrefix(c.APIVersion, "kubescheduler.config.k8s.io/") {
		return nil, fmt.Errorf("%s is not a KubeSchedulerConfiguration (kind %q, apiVersion %q): give kube-scheduler's --config file", name, c.Kind, c.APIVersion)
	}
	if c.APIVersion != "kubescheduler.config.k8s.io/v1" {
		return nil, fmt.Errorf("%s is a %s configuration; this tool reads kubescheduler.config.k8s.io/v1, the only version kube-scheduler v1.37 reads", name, c.APIVersion)
	}
	if len(c.Profiles) == 0 {
		c.Profiles = []profileConfig{{}}
	}
	var out []*Profile
	for _, pc := range c.Profiles {
		p, err := pc.profile(c.PercentageOfNodesToScore, name)
		if err != nil {
			return nil, err
		}
		if p.Name == corev1.DefaultSchedulerName {
			out = append([]*Profile{p}, out...)
		} else {
			out = append(out, p)
		}
	}
	return out, nil
}

func (pc profileConfig) profile(percentage *int32, file string) (*Profile, error) {
	p := DefaultProfile()
	if pc.SchedulerName != "" {
		p.Name = pc.SchedulerName
	}
	p.Source = fmt.Sprintf("profile %q of %s", p.Name, file)
	switch {
	case pc.PercentageOfNodesToScore != nil:
		p.PercentageOfNodesToScore = *pc.PercentageOfNodesToScore
	case percentage != nil:
		p.PercentageOfNodesToScore = *percentage
	}
	if pc.Plugins != nil {
		plugins, err := mergePlugins(p.Plugins, pc.Plugins.MultiPoint, pc.Plugins.Score)
		if err != nil {
			return nil, fmt.Errorf("%s, profile %q: %w", file, p.Name, err)
		}
		p.Plugins = plugins
	}
	for _, cfg := range pc.PluginConfig {
		raw, err := yaml.Marshal(cfg.Args)
		if err != nil {
			return nil, err
		}
		var a pluginArgs
		if err := yaml.Unmarshal(raw, &a); err != nil {
			return nil, fmt.Errorf("%s, profile %q: the args of %s: %v", file, p.Name, cfg.Name, err)
		}
		switch cfg.Name {
		case PluginNodeResourcesFit:
			if s := a.ScoringStrategy; s != nil {
				switch s.Type {
				case "", LeastAllocated, MostAllocated:
				default:
					return nil, fmt.Errorf("%s, profile %q: NodeResourcesFit's scoring strategy %s is not one this tool computes (LeastAllocated, MostAllocated)", file, p.Name, s.Type)
				}
				if s.Type != "" {
					p.FitStrategy = s.Type
				}
				if len(s.Resources) > 0 {
					p.FitResources = weighted(s.Resources)
				}
			}
		case PluginBalancedAllocation:
			if len(a.Resources) > 0 {
				p.BalancedResources = weighted(a.Resources)
			}
		case PluginInterPodAffinity:
			if a.HardPodAffinityWeight != nil {
				p.HardPodAffinityWeight = int64(*a.HardPodAffinityWeight)
			}
			p.IgnorePreferredTermsOfExistingPods = a.IgnorePreferredTermsOfExistingPods
		case PluginPodTopologySpread:
			if a.DefaultingType == "List" {
				p.ListDefaulting, p.DefaultConstraints = true, a.DefaultConstraints
			}
		case PluginNodeAffinity:
			if a.AddedAffinity != nil {
				return nil, fmt.Errorf("%s, profile %q: NodeAffinity's addedAffinity is not something this tool computes", file, p.Name)
			}
		}
	}
	return p, nil
}

// weighted gives a resource without a weight the weight 1, as the
// scheduler's defaulting does.
func weighted(res []ResourceWeight) []ResourceWeight {
	out := append([]ResourceWeight(nil), res...)
	for i := range out {
		if out[i].Weight == 0 {
			out[i].Weight = 1
		}
	}
	return out
}

// mergePlugins applies a profile's multi-point and score plugin sets, in
// that order, to the default score plugins, as the scheduler merges them:
// "*" disables every default, a named plugin is disabled, and an enabled one
// replaces the default's entry, weight included, or is added; a weight
// unset or 0 is 1. A plugin's score entry wins over its multi-point one.
func mergePlugins(defaults []ScorePlugin, sets ...pluginSet) ([]ScorePlugin, error) {
	out := append([]ScorePlugin(nil), defaults...)
	for _, set := range sets {
		for _, d := range set.Disabled {
			if d.Name == "*" {
				out = nil
				continue
			}
			for i := range out {
				if out[i].Name == d.Name {
					out = append(out[:i], out[i+1:]...)
					break
				}
			}
		}
		for _, e := range set.Enabled {
			if _, ok := scorers[e.Name]; !ok {
				if _, filter := knownFilterOnly[e.Name]; filter {
					continue
				}
				return nil, fmt.Errorf("plugin %s is not one of kube-scheduler's own score plugins, and this tool cannot compute its scores", e.Name)
			}
			w := int64(1)
			if e.Weight != nil && *e.Weight > 0 {
				w = int64(*e.Weight)
			}
			found := false
			for i := range out {
				if out[i].Name == e.Name {
					found = true
					out[i].Weight = w
				}
			}
			if !found {
				out = append(out, ScorePlugin{Name: e.Name, Weight: w})
			}
		}
	}
	return out, nil
}

// knownFilterOnly are kube-scheduler's in-tree plugins that do not score:
// enabling them changes no score.
var knownFilterOnly = map[string]struct{}{
	"SchedulingGates": {}, "PrioritySort": {}, PluginNodeName: {}, PluginNodeUnschedulable: {},
	PluginNodePorts: {}, PluginVolumeRestrictions: {}, PluginNodeVolumeLimits: {}, PluginVolumeZone: {},
	"DefaultPreemption": {}, "DefaultBinder": {}, "NodeDeclaredFeatures": {},
}

// ProfileFor is the profile of profiles for the pod's scheduler: the one
// with its name, else the first; the default profile when none was given.
func ProfileFor(profiles []*Profile, schedulerName string) *Profile {
	if schedulerName == "" {
		schedulerName = corev1.DefaultSchedulerName
	}
	for _, p := range profiles {
		if p.Name == schedulerName {
			return p
		}
	}
	if len(profiles) > 0 {
		return profiles[0]
	}
	return DefaultProfile()
}
