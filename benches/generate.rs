//! Writes a synthetic briefing: `cargo bench --bench generate -- DIR NOTES [SEED]`.

#[path = "synth.rs"]
mod synth;

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let [dir, notes, rest @ ..] = args.as_slice() else {
        eprintln!("usage: cargo bench --bench generate -- DIR NOTES [SEED]");
        std::process::exit(2);
    };
    let dir = std::path::Path::new(dir);
    if dir.exists()
        && dir
            .read_dir()
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        eprintln!("{} exists and is not empty", dir.display());
        std::process::exit(2);
    }
    let notes: usize = notes.parse().expect("NOTES is a number");
    let seed = rest
        .first()
        .map_or(42, |s| s.parse().expect("SEED is a number"));
    let s = synth::generate(dir, notes, seed);
    println!(
        "wrote {} notes and {} sources to {}",
        s.notes,
        s.sources,
        dir.display()
    );
}
