#!/bin/sh
# Writes 20 synthetic hand-ins of this workbook into DIR (default /tmp/workbook-hand-ins), for
# timing `./grader --submissions DIR` (Benchmarks/README.md, "Grading a class"). Each name says
# what it holds; the grade each should get is in the table of that section.
#
# With `--class N`, writes instead a class of N students as a real class hands in (Benchmarks/README.md,
# "A class of 60"): a third finished, a third half-done (chapters 01-05, the rest skeletons) and
# a third early (chapters 01-02), in turns, as names sort. Each file a student had to change (a
# solution file that differs from its skeleton) ends with a declaration of its own naming its
# student: no two students' finished code compiles to the same objects, as in a real class.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
class=0
if [ "${1:-}" = --class ]; then
  class=$2
  shift 2
fi
out=${1:-/tmp/workbook-hand-ins}
rm -rf "$out"
mkdir -p "$out"
chapters=$(cd "$root/Exercises" && ls -d [0-9][0-9]-*)

if [ "$class" -gt 0 ]; then
  n=1
  while [ "$n" -le "$class" ]; do
    name=$(printf 'student-%03d' "$n")
    case $((n % 3)) in
      1) solved="01 02 03 04 05 06 07 08 09 10" ;;
      2) solved="01 02 03 04 05" ;;
      0) solved="01 02" ;;
    esac
    for chapter in $chapters; do
      number=${chapter%%-*}
      mkdir -p "$out/$name/$chapter"
      case " $solved " in
        *" $number "*)
          for file in "$root/Solutions/$chapter"/*.swift; do
            target="$out/$name/$chapter/${file##*/}"
            if cmp -s "$file" "$root/Exercises/$chapter/${file##*/}"; then
              cp "$file" "$target"
            else
              { cat "$file"; printf '\nprivate let handedInBy = "%s"\n' "$name"; } >"$target"
            fi
          done
          ;;
        *) cp "$root/Exercises/$chapter"/*.swift "$out/$name/$chapter/" ;;
      esac
    done
    n=$((n + 1))
  done
  ls "$out" | wc -l
  exit 0
fi

# hand_in NAME SOLVED...: the skeletons, with the chapters whose numbers are listed solved.
hand_in() {
  name=$1
  shift
  mkdir -p "$out/$name"
  for chapter in $chapters; do
    number=${chapter%%-*}
    source="$root/Exercises/$chapter"
    for solved in "$@"; do
      if [ "$solved" = "$number" ] || [ "$solved" = all ]; then source="$root/Solutions/$chapter"; fi
    done
    mkdir -p "$out/$name/$chapter"
    cp "$source"/*.swift "$out/$name/$chapter/"
  done
}
first_file() { ls "$out/$1/$2"-*/*.swift | head -n 1; }

for n in 1 2 3; do hand_in "full-$n" all; done
hand_in empty-1
hand_in empty-2
hand_in half-first-1 01 02 03 04 05
hand_in half-first-2 01 02 03 04 05
hand_in half-last-1 06 07 08 09 10
hand_in half-last-2 06 07 08 09 10
# A whole copy of the workbook, as a student's clone: only its Exercises/ count.
hand_in clone all
mkdir "$out/clone/Exercises"
for chapter in $chapters; do mv "$out/clone/$chapter" "$out/clone/Exercises/"; done
echo "// edited" >"$out/clone/Package.swift"

hand_in compile-error-1 all
printf '\nlet brokenOnPurpose: Int = "two"\n' >>"$(first_file compile-error-1 02)"
hand_in compile-error-2 all
printf '\nfunc unfinished( {\n' >>"$(first_file compile-error-2 07)"
# Link errors: a second `main` in the test binary, which no compiler error names.
hand_in link-main all
printf '\n@main struct StrayEntryPoint {\n  static func main() {}\n}\n' >>"$(first_file link-main 03)"
hand_in link-cdecl all
printf '\n@_cdecl("main") public func strayMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 { 0 }\n' >>"$(first_file link-cdecl 04)"
hand_in missing-chapter all
rm -rf "$out/missing-chapter/05-"*
hand_in symlink-escape all
ln -s /etc/passwd "$out/symlink-escape/$(cd "$out/symlink-escape" && ls -d 01-*)/Passwords.swift"
hand_in stray-c all
printf 'int stray(void) { return 1; }\n' >"$out/stray-c/$(cd "$out/stray-c" && ls -d 06-*)/stray.c"

# Zips, as an LMS's bulk download gives them: one with a folder around the chapters.
hand_in zip-full all
(cd "$out" && mv zip-full zipped && mkdir zip-full && mv zipped zip-full/zipped && cd zip-full && zip -qr ../zip-full.zip zipped)
rm -rf "$out/zip-full"
hand_in zip-half 01 02 03 04 05
(cd "$out/zip-half" && zip -qr ../zip-half.zip .)
rm -rf "$out/zip-half"
# An entry that climbs out of the folder it unpacks into: refused whole, before unpacking.
mkdir -p "$out/.zip-escape/inner"
printf 'hacked\n' >"$out/.zip-escape/escaped.swift"
(cd "$out/.zip-escape/inner" && zip -q ../../zip-escape.zip ../escaped.swift)
rm -rf "$out/.zip-escape"
ls "$out" | wc -l
