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
local phase = obj.status.phase
local function told(fallback)
  if obj.status.message ~= nil and obj.status.message ~= "" then return obj.status.message end
  return fallback
end
local approval = condition("AwaitingApproval")

-- status.phase and status.message first (Blocked: a spec change is needed; Waiting: it comes by itself).
if phase == "Blocked" or phase == "Halted" then
  hs.status = "Degraded"
  hs.message = told(phase)
elseif approval ~= nil and approval.status == "True" then
  -- Waiting for a commit that approves the next tier (spec.approval.approved): not a failure.
  hs.status = "Suspended"
  hs.message = says(approval, "Waiting for approval of the next tier")
elseif phase == "Paused" then
  hs.status = "Suspended"
  hs.message = told("Paused")
elseif phase == "Succeeded" then
  hs.status = "Healthy"
  hs.message = told("Every selected node runs the target version")
elseif phase == "Waiting" and ready ~= nil and ready.reason == "WaitingForWindow" then
  hs.status = "Suspended"
  hs.message = told("Waiting for the maintenance window")
elseif phase == "Waiting" or phase == "Upgrading" or phase == "Pending" then
  hs.status = "Progressing"
  hs.message = told(phase)
elseif ready ~= nil and ready.status == "False" and ready.reason == "InvalidSpec" then
  -- A status written before status.phase told all of this.
  hs.status = "Degraded"
  hs.message = says(ready, "The spec is invalid")
elseif ready ~= nil and ready.status == "True" then
  hs.status = "Healthy"
  hs.message = says(ready, "Every selected node runs the target version")
else
  hs.status = "Progressing"
  hs.message = says(ready, "Waiting for the operator")
end
return hs
