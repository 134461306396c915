//! What machine the figures come from.

use std::fmt;

pub struct Machine {
    /// Cores this process may run on (what `nproc` prints).
    pub cores: usize,
    pub model: String,
    pub memory_gib: Option<f64>,
    pub kernel: Option<String>,
}

impl Machine {
    pub fn detect() -> Self {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let model = cpuinfo
            .lines()
            .find_map(|line| {
                let (key, value) = line.split_once(':')?;
                matches!(key.trim(), "model name" | "Model" | "cpu model")
                    .then(|| value.trim().to_owned())
            })
            .unwrap_or_else(|| "unknown CPU".to_owned());
        let memory_gib = std::fs::read_to_string("/proc/meminfo")
            .ok()
            .and_then(|text| {
                let line = text.lines().find(|l| l.starts_with("MemTotal:"))?;
                let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
                Some(kib / 1024.0 / 1024.0)
            });
        let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
            .ok()
            .map(|s| s.trim().to_owned());
        Self {
            cores: std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1),
            model,
            memory_gib,
            kernel,
        }
    }

    /// One line for a results table: `2 × Model, 23.4 GiB`.
    pub fn short(&self) -> String {
        match self.memory_gib {
            Some(gib) => format!("{} × {}, {gib:.1} GiB", self.cores, self.model),
            None => format!("{} × {}", self.cores, self.model),
        }
    }
}

impl fmt::Display for Machine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "  cores (nproc)  {}", self.cores)?;
        writeln!(f, "  cpu            {}", self.model)?;
        match self.memory_gib {
            Some(gib) => writeln!(f, "  memory         {gib:.1} GiB")?,
            None => writeln!(f, "  memory         unknown")?,
        }
        if let Some(kernel) = &self.kernel {
            writeln!(f, "  kernel         {kernel}")?;
        }
        Ok(())
    }
}
