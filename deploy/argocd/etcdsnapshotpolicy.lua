-- Argo CD health of an rke2-lifecycle.io/v1alpha1 EtcdSnapshotPolicy, read from its status conditions.
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
local overdue = condition("SnapshotOverdue")
local storage = condition("StorageAvailable")

if ready ~= nil and ready.status == "False" and ready.reason == "InvalidSpec" then
  hs.status = "Degraded"
  hs.message = says(ready, "The spec is invalid")
elseif obj.spec ~= nil and obj.spec.suspend == true then
  hs.status = "Suspended"
  hs.message = "Suspended: no scheduled snapshots"
elseif storage ~= nil and storage.status == "False" then
  hs.status = "Degraded"
  hs.message = says(storage, "Snapshot storage is unavailable")
elseif overdue ~= nil and overdue.status == "True" then
  hs.status = "Degraded"
  hs.message = says(overdue, "No successful snapshot within two schedule intervals")
elseif ready ~= nil and ready.status == "True" then
  hs.status = "Healthy"
  hs.message = says(ready, "The newest snapshot succeeded")
elseif ready ~= nil and ready.status == "False" and ready.reason ~= "NoSnapshotYet" and ready.reason ~= "SnapshotInProgress" then
  hs.status = "Degraded"
  hs.message = says(ready, "The newest snapshot failed")
else
  hs.status = "Progressing"
  hs.message = says(ready, "Waiting for the first snapshot")
end
return hs
