//! Whether a process still runs: what tells a killed writer's leftovers from a live one's.

/// True when a process with this id runs (or when that cannot be told cheaply here: what it
/// guards is then kept, never removed from under a live writer).
pub(crate) fn alive(pid: u32) -> bool {
    if pid == std::process::id() {
        return true;
    }
    #[cfg(target_os = "linux")]
    {
        std::path::Path::new(&format!("/proc/{pid}")).exists()
    }
    #[cfg(not(target_os = "linux"))]
    {
        true
    }
}
