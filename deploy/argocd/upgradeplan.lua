-- Argo CD health of an rke2-lifecycle.io/v1alpha1 UpgradePlan, read from its status conditions.
-- Installed through argocd-cm: see argocd-cm-health.yaml and docs/install.md.
local function condition(name)
  if obj.status == nil or obj.status.conditions == nil then return nil end
  for _, c in ipairs(obj.status.conditions) do
    if c.type == name then return c end
  end
  return nil
end

local function says(c, fallback)
  if c ~= nil and c.message ~= nil and c.message ~= "" then return c.message end
  return fallback
end

local hs = {}
local generation = obj.metadata.generation or 0
if obj.status == nil or obj.status.observedGeneration == nil or obj.status.observedGeneration < generation then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to observe generation " .. generation
  return hs
end

local ready = condition("Ready")
local degraded = condition("Degraded")
local paused = condition("Paused")
local progressing = condition("Progressing")
local approval = condition("AwaitingApproval")

if ready ~= nil and ready.status == "False" and ready.reason == "InvalidSpec" then
  hs.status = "Degraded"
  hs.message = says(ready, "The spec is invalid")
elseif degraded ~= nil and degraded.status == "True" then
  -- Halted, or a problem only a spec change fixes (skew, channel, failed snapshot).
  -- PreflightPassed=False alone is not Degraded: it also means "waiting" (etcd, lock, snapshot).
  hs.status = "Degraded"
  hs.message = says(degraded, "The plan halted")
elseif paused ~= nil and paused.status == "True" then
  hs.status = "Suspended"
  hs.message = says(paused, "Paused")
elseif ready ~= nil and ready.status == "True" then
  hs.status = "Healthy"
  hs.message = says(ready, "Every selected node runs the target version")
elseif approval ~= nil and approval.status == "True" then
  -- Waiting for a commit that approves the next tier (spec.approval.approved): not a failure.
  hs.status = "Suspended"
  hs.message = says(approval, "Waiting for approval of the next tier")
elseif progressing ~= nil and progressing.status == "True" then
  hs.status = "Progressing"
  hs.message = says(progressing, "Upgrading")
elseif (progressing ~= nil and progressing.reason == "WaitingForWindow") or (ready ~= nil and ready.reason == "WaitingForWindow") then
  hs.status = "Suspended"
  hs.message = "Waiting for the maintenance window"
else
  hs.status = "Progressing"
  hs.message = says(ready, "Waiting for the operator")
end
return hs
