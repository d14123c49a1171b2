//! Writes a synthetic briefing:
//! `cargo bench --bench generate -- DIR NOTES [SEED] [--shape standard|dense]`.

#[path = "synth.rs"]
mod synth;

use synth::Shape;

const USAGE: &str =
    "usage: cargo bench --bench generate -- DIR NOTES [SEED] [--shape standard|dense]";

fn fail(message: &str) -> ! {
    eprintln!("{message}\n{USAGE}");
    std::process::exit(2);
}

fn main() {
    let mut shape = Shape::Standard;
    let mut positional = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--shape" => {
                let name = args.next().unwrap_or_else(|| fail("--shape needs a name"));
                shape =
                    Shape::parse(&name).unwrap_or_else(|| fail(&format!("unknown shape {name}")));
            }
            // `cargo bench` passes `--bench` to every bench binary.
            "--bench" => {}
            other if other.starts_with("--") => fail(&format!("unknown option {other}")),
            _ => positional.push(a),
        }
    }
    let [dir, notes, rest @ ..] = positional.as_slice() else {
        fail("DIR and NOTES are needed");
    };
    let dir = std::path::Path::new(dir);
    if dir.exists()
        && dir
            .read_dir()
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        fail(&format!("{} exists and is not empty", dir.display()));
    }
    let notes: usize = notes.parse().unwrap_or_else(|_| fail("NOTES is a number"));
    let seed = rest.first().map_or(42, |s| {
        s.parse().unwrap_or_else(|_| fail("SEED is a number"))
    });
    let s = shape.generate(dir, notes, seed);
    println!(
        "wrote a {} briefing to {}: {}",
        shape.name(),
        dir.display(),
        s.describe()
    );
}
