{{/* Name prefix of every resource: the release name (or fullnameOverride), plus the feature suffix. */}}
{{- define "nocturna.fullname" -}}
{{- $base := .Values.fullnameOverride | default (ternary .Release.Name (printf "%s-%s" .Release.Name .Chart.Name) (contains .Chart.Name .Release.Name)) -}}
{{- if .Values.nameSuffix -}}
{{- printf "%s-%s" $base .Values.nameSuffix | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- $base | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "nocturna.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: nocturna
app.kubernetes.io/instance: {{ include "nocturna.fullname" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: nocturna
{{- end -}}

{{/* Selector of one component (a service name, or "migrate"); call with (dict "root" $ "component" "auth"). */}}
{{- define "nocturna.selectorLabels" -}}
app.kubernetes.io/name: nocturna
app.kubernetes.io/instance: {{ include "nocturna.fullname" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "nocturna.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- .Values.serviceAccount.name | default (include "nocturna.fullname" .) -}}
{{- else -}}
{{- .Values.serviceAccount.name | default "default" -}}
{{- end -}}
{{- end -}}

{{/* Image of a service: its own `image` block wins over the chart's; a digest wins over a tag. */}}
{{- define "nocturna.image" -}}
{{- $image := mergeOverwrite (deepCopy .root.Values.image) (.service.image | default dict) -}}
{{- if $image.digest -}}
{{- printf "%s@%s" $image.repository $image.digest -}}
{{- else -}}
{{- printf "%s:%s" $image.repository ($image.tag | default .root.Chart.AppVersion) -}}
{{- end -}}
{{- end -}}

{{/* Settings whose value is a map passed as one JSON variable (not nested groups). */}}
{{- define "nocturna.jsonMapSettings" -}}
ENCRYPTION__KEYS BILLING__STRIPE_PRICES
{{- end -}}

{{/* One value as the text of an environment variable: strings through tpl, everything else as JSON (then
through tpl too, so a list may name values: `allowed_origins: ['{{ .Values.appUrl }}']`). */}}
{{- define "nocturna.envValue" -}}
{{- if kindIs "string" .value -}}
{{- tpl .value .root -}}
{{- else -}}
{{- tpl (toJson .value) .root -}}
{{- end -}}
{{- end -}}

{{/* A settings tree as `NAME: "value"` YAML lines, nested groups joined with `__`; null leaves are left out. */}}
{{- define "nocturna.envLines" -}}
{{- $root := .root -}}
{{- $prefix := .prefix -}}
{{- $jsonMaps := splitList " " (include "nocturna.jsonMapSettings" $root) -}}
{{- range $key, $value := .values }}
{{- $name := printf "%s%s" $prefix (upper $key) }}
{{- if and (kindIs "map" $value) (not (has $name $jsonMaps)) }}
{{ include "nocturna.envLines" (dict "root" $root "values" $value "prefix" (printf "%s__" $name)) }}
{{- else if not (kindIs "invalid" $value) }}
{{ $name }}: {{ include "nocturna.envValue" (dict "root" $root "value" $value) | quote }}
{{- end }}
{{- end }}
{{- end -}}

{{/* The merged settings (or secrets, with kind "secrets") of one service: common, the groups it uses, its own. */}}
{{- define "nocturna.tree" -}}
{{- $root := .root -}}
{{- $service := index $root.Values.services .name -}}
{{- $shared := index $root.Values .kind -}}
{{- $tree := deepCopy ($shared.common | default dict) -}}
{{- if $service.uses.database -}}{{- $tree = mergeOverwrite $tree (deepCopy ($shared.database | default dict)) -}}{{- end -}}
{{- if $service.uses.broker -}}{{- $tree = mergeOverwrite $tree (deepCopy ($shared.broker | default dict)) -}}{{- end -}}
{{- $tree = mergeOverwrite $tree (deepCopy ((index $service .kind) | default dict)) -}}
{{- toYaml $tree -}}
{{- end -}}

{{/* ConfigMap data (kind "settings") or Secret data (kind "secrets") of one service, as a YAML map. */}}
{{- define "nocturna.envData" -}}
{{- $tree := include "nocturna.tree" . | fromYaml -}}
{{- $lines := include "nocturna.envLines" (dict "root" .root "values" $tree "prefix" "") | fromYaml -}}
{{- toYaml ($lines | default dict) -}}
{{- end -}}

{{/* Name of the Secret a service reads its secret variables from. */}}
{{- define "nocturna.secretName" -}}
{{- $service := index .root.Values.services .name -}}
{{- tpl ($service.existingSecret | default "") .root | default (printf "%s-%s" (include "nocturna.fullname" .root) .name) -}}
{{- end -}}

{{/* The container port of a service is its `settings.http.port`. */}}
{{- define "nocturna.port" -}}
{{- $service := index .root.Values.services .name -}}
{{- $service.settings.http.port | int -}}
{{- end -}}
