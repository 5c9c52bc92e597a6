-- The entry point the Java runner (Miltertest.java) gives miltertest: loads common.lua, runs the script named by
-- the global `script`, and reports. miltertest itself prints nothing when a script raises an error (it only exits
-- 1), so the error and its traceback are written here; "PASS <script>" is printed only when the script ran to its
-- end, and the runner insists on it.
dofile(scripts .. "/common.lua")

local completed, err = xpcall(dofile, debug.traceback, scripts .. "/" .. script)
if not completed then
  io.stderr:write("FAIL " .. script .. ": " .. tostring(err) .. "\n")
  error("script failed", 0)
end
mt.echo("PASS " .. script)
