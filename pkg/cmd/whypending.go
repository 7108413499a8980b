package cmd

import (
	"errors"

	"github.com/spf13/cobra"
)

func newCmdWhyPending(common *Common) *cobra.Command {
	return &cobra.Command{
		Use:  "why-pending POD",
		Args: exactArgs(1, "the pod's name"),
		RunE: func(cmd *cobra.Command, args []string) error { return errors.New("not yet") },
	}
}
