-- Argo CD health of an rke2-lifecycle.io/v1alpha1 CertRotation, read from its status conditions.
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
local progressing = condition("Progressing")
local approval = condition("AwaitingApproval")
local expiring = condition("ExpiringSoon")

local phase = obj.status.phase
local function told(fallback)
  if obj.status.message ~= nil and obj.status.message ~= "" then return obj.status.message end
  return fallback
end

if phase == "Blocked" or phase == "Halted" then
  hs.status = "Degraded"
  hs.message = told(phase)
elseif approval ~= nil and approval.status == "True" then
  -- Waiting for a commit that approves the next tier (spec.approval.approved): not a failure.
  hs.status = "Suspended"
  hs.message = says(approval, "Waiting for approval of the next tier")
elseif phase == "Waiting" and ready ~= nil and ready.reason == "WaitingForWindow" then
  hs.status = "Suspended"
  hs.message = told("Waiting for the maintenance window")
elseif phase == "Waiting" then
  -- The lock, etcd health or the first inventory: it comes by itself.
  hs.status = "Progressing"
  hs.message = told("Waiting")
elseif ready ~= nil and ready.status == "False" and ready.reason == "InvalidSpec" then
  hs.status = "Degraded"
  hs.message = says(ready, "The spec is invalid")
elseif degraded ~= nil and degraded.status == "True" then
  hs.status = "Degraded"
  hs.message = says(degraded, "A rotation failed")
elseif obj.spec ~= nil and obj.spec.paused == true then
  hs.status = "Suspended"
  hs.message = "Paused"
elseif progressing ~= nil and progressing.status == "True" then
  hs.status = "Progressing"
  hs.message = says(progressing, "Rotating")
elseif ready ~= nil and ready.status == "True" then
  hs.status = "Healthy"
  if expiring ~= nil and expiring.status == "True" then
    hs.message = says(expiring, "Certificates expire soon")
  else
    hs.message = says(ready, "Every certificate is valid beyond renewBefore")
  end
elseif (progressing ~= nil and progressing.reason == "WaitingForWindow") or (ready ~= nil and ready.reason == "WaitingForWindow") then
  hs.status = "Suspended"
  hs.message = "Waiting for the maintenance window"
elseif ready ~= nil and ready.status == "False" then
  hs.status = "Degraded"
  hs.message = says(ready, "Not ready")
else
  hs.status = "Progressing"
  hs.message = says(ready, "Waiting for the first inventory")
end
return hs
