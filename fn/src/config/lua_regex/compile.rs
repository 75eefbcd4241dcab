//! The tree to a Thompson program, fragment by fragment as Go's `regexp/syntax` compiler
//! builds it (same priorities; `x*` of a nullable `x` is `(x+)?`, golang.org/issue/46123).

use super::class::Ranges;
use super::parse::{Look, Node};

/// Programs larger than this are refused: time is O(line length * program length).
pub const MAX_INSTS: usize = 10_000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inst {
    /// Instruction 0, as in Go: a fragment that starts there never matches.
    Fail,
    Match,
    Nop {
        out: usize,
    },
    /// Records the position in capture slot `slot` (group `slot / 2`).
    Save {
        slot: u32,
        out: usize,
    },
    Assert {
        look: Look,
        out: usize,
    },
    /// Try `out` first, then `arg`.
    Split {
        out: usize,
        arg: usize,
    },
    Rune {
        set: Ranges,
        out: usize,
    },
}

#[derive(Debug)]
struct Frag {
    start: usize,
    /// (instruction, its `arg` rather than its `out`) to point at what comes next.
    out: Vec<(usize, bool)>,
    nullable: bool,
}

impl Frag {
    fn fail() -> Frag {
        Frag {
            start: 0,
            out: Vec::new(),
            nullable: false,
        }
    }
}

pub struct Compiler {
    pub insts: Vec<Inst>,
}

/// Compiles `node` (with `Match` at its end); returns the instructions and the start.
pub fn compile(node: &Node) -> Result<(Vec<Inst>, usize), String> {
    let mut c = Compiler {
        insts: vec![Inst::Fail],
    };
    let f = c.node(node)?;
    let m = c.inst(Inst::Match)?;
    c.patch(&f.out, m);
    Ok((c.insts, f.start))
}

impl Compiler {
    fn inst(&mut self, i: Inst) -> Result<usize, String> {
        if self.insts.len() >= MAX_INSTS {
            return Err(format!(
                "it compiles to more than {MAX_INSTS} instructions, too slow to run on every line"
            ));
        }
        self.insts.push(i);
        Ok(self.insts.len() - 1)
    }

    fn patch(&mut self, list: &[(usize, bool)], to: usize) {
        for &(at, is_arg) in list {
            match self.insts.get_mut(at) {
                Some(Inst::Split { arg, .. }) if is_arg => *arg = to,
                Some(
                    Inst::Split { out, .. }
                    | Inst::Nop { out }
                    | Inst::Save { out, .. }
                    | Inst::Assert { out, .. }
                    | Inst::Rune { out, .. },
                ) => *out = to,
                _ => {}
            }
        }
    }

    fn single(&mut self, i: Inst, nullable: bool) -> Result<Frag, String> {
        let at = self.inst(i)?;
        Ok(Frag {
            start: at,
            out: vec![(at, false)],
            nullable,
        })
    }

    fn node(&mut self, node: &Node) -> Result<Frag, String> {
        match node {
            Node::Empty => self.single(Inst::Nop { out: 0 }, true),
            Node::Class(set) => self.single(
                Inst::Rune {
                    set: set.clone(),
                    out: 0,
                },
                false,
            ),
            Node::Look(look) => self.single(
                Inst::Assert {
                    look: *look,
                    out: 0,
                },
                true,
            ),
            Node::Cap(index, sub) => {
                let slot = index.saturating_mul(2);
                let bra = self.single(Inst::Save { slot, out: 0 }, true)?;
                let sub = self.node(sub)?;
                let ket = self.single(
                    Inst::Save {
                        slot: slot.saturating_add(1),
                        out: 0,
                    },
                    true,
                )?;
                let f = self.cat(bra, sub);
                Ok(self.cat(f, ket))
            }
            Node::Concat(subs) => {
                let mut f: Option<Frag> = None;
                for sub in subs {
                    let g = self.node(sub)?;
                    f = Some(match f {
                        None => g,
                        Some(f) => self.cat(f, g),
                    });
                }
                match f {
                    Some(f) => Ok(f),
                    None => self.single(Inst::Nop { out: 0 }, true),
                }
            }
            Node::Alt(subs) => {
                let mut f = Frag::fail();
                for sub in subs {
                    let g = self.node(sub)?;
                    f = self.alt(f, g)?;
                }
                Ok(f)
            }
            Node::Star(sub, greedy) => {
                let f = self.node(sub)?;
                self.star(f, *greedy)
            }
            Node::Plus(sub, greedy) => {
                let f = self.node(sub)?;
                self.plus(f, *greedy)
            }
            Node::Quest(sub, greedy) => {
                let f = self.node(sub)?;
                self.quest(f, *greedy)
            }
        }
    }

    fn cat(&mut self, f1: Frag, f2: Frag) -> Frag {
        if f1.start == 0 || f2.start == 0 {
            return Frag::fail();
        }
        self.patch(&f1.out, f2.start);
        Frag {
            start: f1.start,
            out: f2.out,
            nullable: f1.nullable && f2.nullable,
        }
    }

    fn alt(&mut self, f1: Frag, f2: Frag) -> Result<Frag, String> {
        if f1.start == 0 {
            return Ok(f2);
        }
        if f2.start == 0 {
            return Ok(f1);
        }
        let at = self.inst(Inst::Split {
            out: f1.start,
            arg: f2.start,
        })?;
        let mut out = f1.out;
        out.extend(f2.out);
        Ok(Frag {
            start: at,
            out,
            nullable: f1.nullable || f2.nullable,
        })
    }

    fn quest(&mut self, f1: Frag, greedy: bool) -> Result<Frag, String> {
        let (split, skip) = branch(f1.start, greedy);
        let at = self.inst(split)?;
        let mut out = vec![(at, skip)];
        out.extend(f1.out);
        Ok(Frag {
            start: at,
            out,
            nullable: true,
        })
    }

    /// The loop of a plus or a star: a split back into `f1` or on.
    fn repeat_loop(&mut self, f1: Frag, greedy: bool) -> Result<Frag, String> {
        let (split, skip) = branch(f1.start, greedy);
        let at = self.inst(split)?;
        self.patch(&f1.out, at);
        Ok(Frag {
            start: at,
            out: vec![(at, skip)],
            nullable: true,
        })
    }

    fn star(&mut self, f1: Frag, greedy: bool) -> Result<Frag, String> {
        if f1.nullable {
            let plus = self.plus(f1, greedy)?;
            return self.quest(plus, greedy);
        }
        self.repeat_loop(f1, greedy)
    }

    fn plus(&mut self, f1: Frag, greedy: bool) -> Result<Frag, String> {
        let (start, nullable) = (f1.start, f1.nullable);
        let l = self.repeat_loop(f1, greedy)?;
        Ok(Frag {
            start,
            out: l.out,
            nullable,
        })
    }
}

/// A split into `into` or on (the dangling arm, patched later): `into` first when
/// greedy, last when lazy; the bool says which arm dangles (`arg` when greedy).
fn branch(into: usize, greedy: bool) -> (Inst, bool) {
    if greedy {
        (Inst::Split { out: into, arg: 0 }, true)
    } else {
        (Inst::Split { out: 0, arg: into }, false)
    }
}
