#!/usr/bin/env python3
"""Builds the comparison/report fixtures in this folder (run once; the outputs are committed).

- vqav2_{base,candidate}.json: `svit-eval score --task vqav2` on tests/data/golden/vqav2 with the golden
  raw answers (base) and a perturbed copy (candidate: 12 answers set to the annotators' majority answer,
  3 set to a wrong word). Needs the svit-eval binary as argv[1].
- pope_base.json: the golden POPE answers as ScoreResult records; metrics are the golden expected.json
  numbers (LLaVA eval_pope.py). pope_candidate.json: answers perturbed, metrics recomputed here with
  eval_pope.py's rules.
- mme_base.json: the golden MME results as records; metrics are the golden expected.json numbers
  (official calculation.py). mme_candidate.json: predictions perturbed, recomputed with calculation.py's rules.
- runs/{base,candidate,other_dataset}/run.json: run records (the layout results/run_record.h assumes).
"""
import copy
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
GOLDEN = os.path.join(HERE, "..", "golden")


def write(name, obj):
    path = os.path.join(HERE, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(obj, f, indent=1, ensure_ascii=False)
        f.write("\n")


def vqav2(binary):
    d = os.path.join(GOLDEN, "vqav2")
    raw = json.load(open(os.path.join(d, "results_raw.json")))
    ann = {a["question_id"]: a for a in json.load(open(os.path.join(d, "annotations.json")))["annotations"]}
    cand = copy.deepcopy(raw)
    for i, r in enumerate(cand):
        if i % 5 == 0 and i < 60:
            r["answer"] = ann[r["question_id"]]["multiple_choice_answer"]
        if i in (7, 21, 44):
            r["answer"] = "zebra"
    tmp = os.path.join(HERE, "vqav2_candidate_answers.json")
    json.dump(cand, open(tmp, "w"))
    for name, preds in (("base", os.path.join(d, "results_raw.json")), ("candidate", tmp)):
        out = os.path.join(HERE, "vqav2_%s.json" % name)
        subprocess.run([binary, "score", "--task", "vqav2", "--questions", os.path.join(d, "questions.json"),
                        "--annotations", os.path.join(d, "annotations.json"), "--predictions", preds,
                        "--output", out], check=True, stdout=subprocess.DEVNULL)
        result = json.load(open(out))
        result["inputs"] = {k: os.path.basename(v) for k, v in result["inputs"].items()}
        write("vqav2_%s.json" % name, result)
    os.remove(tmp)


def pope_normalize(text):
    # eval_pope.py: first sentence, drop commas, split on ' ', 'No'/'not'/'no' -> no, else yes.
    if text.find(".") != -1:
        text = text.split(".")[0]
    text = text.replace(",", "")
    words = text.split(" ")
    return "no" if ("No" in words or "not" in words or "no" in words) else "yes"


def pope_metrics(pairs):
    tp = sum(1 for p, l in pairs if p == "yes" and l == "yes")
    fp = sum(1 for p, l in pairs if p == "yes" and l == "no")
    tn = sum(1 for p, l in pairs if p == "no" and l == "no")
    fn = sum(1 for p, l in pairs if p == "no" and l == "yes")
    precision = float(tp) / float(tp + fp)
    recall = float(tp) / float(tp + fn)
    f1 = 2 * precision * recall / (precision + recall)
    acc = (tp + tn) / (tp + tn + fp + fn)
    yes_ratio = sum(1 for p, _ in pairs if p == "yes") / len(pairs)
    return {"TP": tp, "FP": fp, "TN": tn, "FN": fn, "accuracy": acc, "precision": precision,
            "recall": recall, "f1": f1, "yes_ratio": yes_ratio}


def pope():
    d = os.path.join(GOLDEN, "pope")
    answers = [json.loads(l) for l in open(os.path.join(d, "answers.jsonl"))]
    questions = {q["question_id"]: q for q in map(json.loads, open(os.path.join(d, "llava_pope_test.jsonl")))}
    expected = json.load(open(os.path.join(d, "expected.json")))

    def build(texts, golden_metrics):
        per_sample, metrics = [], {}
        for category in ("adversarial", "popular", "random"):
            labels = [json.loads(l) for l in open(os.path.join(d, "coco", "coco_pope_%s.json" % category))]
            rows = [a for a in answers if questions[a["question_id"]]["category"] == category]
            pairs = []
            for a, label in zip(rows, labels):
                pred = pope_normalize(texts[a["question_id"]])
                pairs.append((pred, label["label"]))
                per_sample.append({"id": str(a["question_id"]), "prediction": texts[a["question_id"]],
                                   "extracted": pred, "score": 1.0 if pred == label["label"] else 0.0,
                                   "status": "answered", "category": category, "label": label["label"],
                                   "image": questions[a["question_id"]]["image"]})
            metrics[category] = golden_metrics[category] if golden_metrics else pope_metrics(pairs)
        metrics = {c: {k: v for k, v in m.items() if k not in ("summary_line", "normalized_pred")}
                   for c, m in metrics.items()}
        return {"task": "pope", "inputs": {}, "counts": {"total": len(per_sample), "answered": len(per_sample),
                "missing": 0, "failed": 0, "unparseable": 0}, "metrics": metrics, "metrics_unrounded": metrics,
                "official_output": "", "notes": [], "per_sample": per_sample}

    texts = {a["question_id"]: a["text"] for a in answers}
    base = build(texts, expected)
    cand_texts = dict(texts)
    for i, a in enumerate(answers):
        if i % 4 == 1:  # flip a quarter of the answers to the label's answer
            label_rows = base["per_sample"]
            row = next(r for r in label_rows if r["id"] == str(a["question_id"]))
            cand_texts[a["question_id"]] = "Yes" if row["label"] == "yes" else "No"
    write("pope_base.json", base)
    write("pope_candidate.json", build(cand_texts, None))


def mme_label(pred):
    pred = pred.lower()
    if pred in ("yes", "no"):
        return pred
    prefix = pred[:4]
    if "yes" in prefix:
        return "yes"
    if "no" in prefix:
        return "no"
    return "other"


def mme():
    d = os.path.join(GOLDEN, "mme")
    expected = json.load(open(os.path.join(d, "expected.json")))
    perception = ["existence", "count", "position", "color", "posters", "celebrity", "scene", "landmark",
                  "artwork", "OCR"]
    cognition = ["commonsense_reasoning", "numerical_calculation", "text_translation", "code_reasoning"]

    def build(flip):
        per_sample, tasks = [], {}
        for category in perception + cognition:
            lines = [l.rstrip("\n").split("\t") for l in open(os.path.join(d, "results", category + ".txt"))]
            correct, images_correct = 0, 0
            for k in range(0, len(lines), 2):
                both = True
                for j, (image, question, gt, pred) in enumerate(lines[k:k + 2]):
                    if flip and (k + j) % 3 == 0:
                        pred = gt if mme_label(pred) != gt.lower() else ("No" if gt == "Yes" else "Yes")
                    label = mme_label(pred)
                    right = label == gt.lower()
                    correct += right
                    both = both and right
                    per_sample.append({"id": "%s/%s/%d" % (category, image, j), "prediction": pred,
                                       "extracted": label, "score": 1.0 if right else 0.0, "status": "answered",
                                       "category": category, "image": image, "question": question})
                images_correct += both
            tasks[category] = 100.0 * correct / len(lines) + 100.0 * images_correct / (len(lines) // 2)
        if not flip:
            tasks = expected["tasks"]
        metrics = {"Perception_total": sum(tasks[c] for c in perception),
                   "Cognition_total": sum(tasks[c] for c in cognition), "tasks": tasks}
        if not flip:
            metrics["Perception_total"] = expected["Perception_total"]
            metrics["Cognition_total"] = expected["Cognition_total"]
        return {"task": "mme", "inputs": {}, "counts": {"total": len(per_sample), "answered": len(per_sample),
                "missing": 0, "failed": 0, "unparseable": 0}, "metrics": metrics, "metrics_unrounded": metrics,
                "official_output": "", "notes": [], "per_sample": per_sample}

    write("mme_base.json", build(False))
    write("mme_candidate.json", build(True))


def runs():
    def load(name):
        return json.load(open(os.path.join(HERE, name)))

    protocol = {
        "vqav2": {"prompt_template_sha256": "a" * 64, "dataset_sha256": "1" * 64},
        "pope": {"prompt_template_sha256": "b" * 64, "dataset_sha256": "2" * 64},
        "mme": {"prompt_template_sha256": "c" * 64, "dataset_sha256": "3" * 64},
    }
    for run, suffix, model in (("base", "base", "llava-v1.5-7b"), ("candidate", "candidate", "svit-v1.5-7b")):
        tasks = {}
        for task in ("vqav2", "pope", "mme"):
            t = load("%s_%s.json" % (task, suffix))
            t["protocol"] = protocol[task]
            tasks[task] = t
        record = {"run_id": "run-" + run, "model": {"name": model, "id": model + "-id"},
                  "created_at": "2024-06-0%dT12:00:00Z" % (1 if run == "base" else 2), "tasks": tasks}
        write("runs/%s/run.json" % run, record)
        if run == "candidate":
            other = copy.deepcopy(record)
            other["run_id"] = "run-other-dataset"
            other["tasks"]["pope"]["protocol"]["dataset_sha256"] = "9" * 64
            other["tasks"]["vqav2"]["protocol"]["prompt_template_sha256"] = "f" * 64
            write("runs/other_dataset/run.json", other)


if __name__ == "__main__":
    vqav2(sys.argv[1])
    pope()
    mme()
    runs()
