{{/* The chart name, overridable. */}}
{{- define "rke2lo.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The prefix of every object name: the release name when it already contains the chart name. */}}
{{- define "rke2lo.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := include "rke2lo.name" . -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Labels that select the operator's pods; never change them (a Deployment's selector is immutable). */}}
{{- define "rke2lo.selectorLabels" -}}
app.kubernetes.io/name: {{ include "rke2lo.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: operator
{{- end -}}

{{/* Labels of every object. */}}
{{- define "rke2lo.labels" -}}
app.kubernetes.io/name: {{ include "rke2lo.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/part-of: rke2-lifecycle-operator
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{- define "rke2lo.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{- define "rke2lo.nodeAgentImage" -}}
{{- default (include "rke2lo.image" .) .Values.jobs.nodeAgentImage -}}
{{- end -}}

{{- define "rke2lo.certInventoryName" -}}
{{- printf "%s-cert-inventory" (include "rke2lo.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
"auto", true or false: whether to render an object of a prometheus-operator kind.
Call with (list $ .Values.metrics.serviceMonitor.enabled "monitoring.coreos.com/v1/ServiceMonitor").
*/}}
{{- define "rke2lo.monitoringEnabled" -}}
{{- $root := index . 0 -}}
{{- $setting := index . 1 | toString -}}
{{- $api := index . 2 -}}
{{- if eq $setting "true" -}}true
{{- else if and (eq $setting "auto") ($root.Capabilities.APIVersions.Has $api) -}}true
{{- else if not (has $setting (list "true" "false" "auto")) -}}
{{- fail (printf "%s: enabled must be auto, true or false, not %q" $api $setting) -}}
{{- end -}}
{{- end -}}

{{/* Fails the render on settings the operator cannot run with. */}}
{{- define "rke2lo.validate" -}}
{{- if and (gt (int .Values.operator.replicas) 1) (not .Values.operator.leaderElection.enabled) -}}
{{- fail "operator.replicas > 1 needs operator.leaderElection.enabled: two replicas without a Lease would both act" -}}
{{- end -}}
{{- if not (hasPrefix "/" (toString .Values.rke2.dataDir)) -}}
{{- fail (printf "rke2.dataDir must be an absolute host path, not %q" (toString .Values.rke2.dataDir)) -}}
{{- end -}}
{{- if eq .Values.jobs.namespace .Release.Namespace -}}
{{- fail "jobs.namespace must differ from the release namespace: node Jobs need a privileged namespace, the operator a restricted one" -}}
{{- end -}}
{{- end -}}
