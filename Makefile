# ClusterOS Lab. Every target is a thin wrapper over a script or a Pulumi command.
#   make help | setup | mode | up | status | ssh N=2 | exec N=2 CMD='sinfo' | logs N=1 | vnc N=1 | checkpoint NAME=ready |
#   restore NAME=ready | checkpoints | down | test | unit | e2e
SHELL := /bin/bash
# The stack a target acts on: STACK=NAME, else the one `pulumi stack select` chose (asked of
# Pulumi only by targets that act on a stack); with neither, they stop and say how to choose.
STACK ?= $(shell bash -c '. scripts/lib/common.sh && lab_load_env >/dev/null 2>&1 && pulumi stack --show-name 2>/dev/null')
stack = $(or $(STACK),$(error no stack given and none selected: choose one with pulumi stack select NAME (pulumi stack ls lists them) or give STACK=NAME))
N ?= 1
NAME ?= ready
CMD ?= hostname
# Passed to recipes through the environment, so commands keep their own quotes, and taken as
# given: without this, make would expand a `$HOSTNAME` in it (to "OSTNAME") before the node saw it.
override CMD := $(value CMD)
export CMD
# Where the lab runs is detected per machine (scripts/lib/mode.sh, `make mode` says it);
# MODE=host|namespace or NETNS=<name> choose it instead.
ifdef MODE
export CLUSTEROS_LAB_MODE := $(MODE)
endif
ifdef NETNS
export CLUSTEROS_LAB_NETNS := $(NETNS)
endif
LAB := source scripts/lib/common.sh && lab_load_env &&

.PHONY: help usb setup env mode up preview down image stop start image-base status ssh exec logs vnc checkpoint restore checkpoints checkpoint-rm test unit e2e e2e-kubernetes cluster-test bench libvirtd-start libvirtd-stop libvirtd-status lint pulumi-yaml kubernetes pack

help:             ## every target and what it does
	@awk -F ':[^#]*## ' '/^[a-z][a-z0-9-]*:.*## / { printf "  %-16s %s\n", $$1, $$2 }' $(MAKEFILE_LIST)

setup:            ## Node >= 22, Pulumi CLI and plugins, libvirt, qemu, packer, npm deps, state backend
	@scripts/setup.sh

env:              ## eval "$(make -s env)": the project's Node, pulumi and Pulumi settings in your shell
	@bash -c 'source scripts/lib/common.sh && lab_env_exports'

FLAVOR ?= debian-12
image-base:       ## what Packer starts from (FLAVOR=debian-12: mmdebstrap base; ubuntu-24.04: cloud image); needs the network
	@if [ "$(FLAVOR)" = ubuntu-24.04 ]; then images/ubuntu/fetch.sh; else images/debian/build-base.sh; fi

mode:             ## which mode this machine is in (host or namespace) and why
	@scripts/libvirtd.sh mode

up: setup         ## pulumi up on STACK (default: the selected stack): image, network, nodes, readiness
	@scripts/up.sh $(stack)

image: setup      ## build or find STACK's node image (Packer), print its path and hash; creates no node
	@scripts/image.sh $(stack)

stop:             ## halt every node of STACK cleanly, keeping its disk (make start or make up starts them)
	@scripts/lab.sh --stack $(stack) stop

start:            ## start every stopped node of STACK, then wait until the cluster is healthy
	@scripts/lab.sh --stack $(stack) start

preview: setup    ## pulumi preview on STACK: what an up would change
	@scripts/libvirtd.sh ensure && scripts/in-lab.sh pulumi preview --stack $(stack)

down:             ## pulumi destroy on STACK: nothing of the stack is left on the host
	@scripts/libvirtd.sh ensure && scripts/in-lab.sh pulumi destroy --stack $(stack) --yes

status:           ## every node: state, IPs, WireGuard handshakes, SLURM, K3s, cloud-init
	@scripts/lab.sh --stack $(stack) status

ssh:              ## a shell on node N
	@scripts/lab.sh --stack $(stack) ssh $(N)

exec:             ## run CMD on node N (N=all for every node)
	@scripts/lab.sh --stack $(stack) exec $(N) "$$CMD"

vnc:              ## node N's VNC display, reachable from this host (namespace mode: forwarded until Ctrl-C)
	@scripts/lab.sh --stack $(stack) vnc $(N)

usb:              ## release artifacts in dist/: raw, raw.gz, hybrid BIOS/UEFI installer ISO, SHA256SUMS (SEED=dir, SEEDS=dir of seeds by machine ID, INSTALL_CONF=file)
	@scripts/lab.sh --stack $(stack) usb $(if $(SEED),--seed "$(SEED)") $(if $(SEEDS),--seeds "$(SEEDS)") \
	  $(if $(INSTALL_CONF),--config "$(INSTALL_CONF)") $(if $(NETBOOT_HTTP),--netboot-http "$(NETBOOT_HTTP)")

checkpoint:       ## save the whole cluster at this moment as NAME (every node paused, snapshotted, resumed)
	@scripts/lab.sh --stack $(stack) checkpoint save "$(NAME)"

restore:          ## every node back to checkpoint NAME, clocks set, then wait until healthy
	@scripts/lab.sh --stack $(stack) checkpoint restore "$(NAME)"

checkpoints:      ## the stack's checkpoints and the disk they use
	@scripts/lab.sh --stack $(stack) checkpoint list

checkpoint-rm:    ## remove checkpoint NAME
	@scripts/lab.sh --stack $(stack) checkpoint rm "$(NAME)"

logs:             ## serial log of node N
	@$(LAB) scripts/lab.sh --stack $(stack) logs $(N)

test:             ## what CI runs: setup, unit tests, then the end-to-end test
	@scripts/test.sh all

unit:             ## the unit tests alone
	@scripts/test.sh unit

e2e:              ## the end-to-end tests alone: one host and then two, then Kubernetes
	@scripts/test.sh e2e

cluster-test:     ## cluster tests written with clusteros-lab/testing (TESTS=files; STACK=name: on that running stack)
	@STACK="$(if $(filter command line environment,$(origin STACK)),$(STACK),)" scripts/cluster-test.sh $(TESTS)

e2e-kubernetes:   ## the Kubernetes end-to-end test alone: 2 nodes, upstream Kubernetes (docs/VM_TESTING.md)
	@scripts/test.sh kubernetes

ONLY ?= all
bench:            ## benchmark (not part of make test): prints a table, writes bench/results/*.json (ONLY=p2: first boot; ONLY=p6: agent edit on 4 nodes; ONLY=p7: restore)
	@scripts/setup.sh >/dev/null && bench/bench.sh $(ONLY)

libvirtd-start:   ## namespace mode: the lab's own libvirtd
	@scripts/libvirtd.sh start $(NETNS)
libvirtd-stop:    ## namespace mode: stop the lab's own libvirtd and remove its namespace
	@scripts/libvirtd.sh stop $(NETNS)
libvirtd-status:  ## namespace mode: what runs where
	@scripts/libvirtd.sh status $(NETNS)

kubernetes:       ## the Kubernetes bundle for the node image (built from the Go module proxy, cached by content; prints its dir)
	@scripts/kubernetes.sh build

PACK_DIR ?= dist
pack:             ## the lab as an npm package for a ClusterOS repository (docs/FROM_YOUR_REPOSITORY.md): PACK_DIR/clusteros-lab-VERSION.tgz, its path printed
	@$(LAB) node node_modules/ts-node/dist/bin.js --transpile-only scripts/pack.ts $(PACK_DIR)

pulumi-yaml:      ## write Pulumi.yaml's config block from the config schema (components/plan/config-schema.ts)
	@$(LAB) node node_modules/ts-node/dist/bin.js --transpile-only scripts/pulumi-yaml.ts

lint:             ## shellcheck over every shell script (the list is tests/unit/shellcheck.test.ts's)
	@$(LAB) npx vitest run tests/unit/shellcheck.test.ts
