"""Block Kit of quizzes: the questions with their choice buttons, the free-text answer modal, graded answers."""

from __future__ import annotations

import json
from typing import Any

from assistant.quiz.models import Grade, QuestionOut, QuizCitation, QuizOut
from integrations.slack.blocks import Block, button, context, esc, section, split_text

QUIZ_VERDICTS = {"correct": ":white_check_mark: *Correct*", "partial": ":large_yellow_circle: *Partly correct*",
                 "incorrect": ":x: *Incorrect*"}
BUTTON_TEXT_MAX = 75


def quiz_where(c: QuizCitation) -> str:
    """``Document › Section`` of a quiz citation (escaped)."""
    return esc(c.title if not c.section else f"{c.title} › {c.section}")


def quiz_value(quiz_id: str, question_id: str, choice: int | None = None) -> str:
    """A quiz button's value: ``quiz_id|question_id`` and, for a choice, ``|n`` (1-based)."""
    return f"{quiz_id}|{question_id}" + (f"|{choice}" if choice is not None else "")


def quiz_blocks(quiz: QuizOut) -> list[Block]:
    """A quiz, one question per section: a button per choice, or an Answer button (free text, in a modal)."""
    what = f"on *{esc(quiz.topic)}*" if quiz.topic else "on the whole playbook"
    blocks: list[Block] = [section(f":books: *Quiz* {what} — {len(quiz.questions)} question(s)")]
    for n, q in enumerate(quiz.questions, 1):
        text = f"*{n}.* {esc(q.question)}"
        if q.choices:
            text += "\n" + "\n".join(f"{chr(65 + i)}. {esc(c)}" for i, c in enumerate(q.choices))
            elements = [button(f"{chr(65 + i)}. {c}"[:BUTTON_TEXT_MAX], "quiz_choice",
                               quiz_value(quiz.quiz_id, q.id, i + 1)) for i, c in enumerate(q.choices)]
        else:
            elements = [button("Answer", "quiz_answer", quiz_value(quiz.quiz_id, q.id), style="primary")]
        blocks.append(section(text))
        blocks.append({"type": "actions", "block_id": f"quiz_{q.id}", "elements": elements})
    note = f"quiz `{esc(quiz.quiz_id)}` · {esc(quiz.difficulty)}"
    if quiz.weak_topics:
        note += " · revisiting " + ", ".join(esc(t) for t in quiz.weak_topics)
    blocks.append(context(note))
    return blocks


def quiz_answer_modal(question: QuestionOut, metadata: dict[str, Any]) -> Block:
    """The modal of a free-text question: the question and a text input for the answer."""
    return {
        "type": "modal",
        "callback_id": "quiz_answer_modal",
        "private_metadata": json.dumps(metadata),
        "title": {"type": "plain_text", "text": "Quiz answer"},
        "submit": {"type": "plain_text", "text": "Check"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            section(f"*Question*\n{esc(question.question)}"),
            {"type": "input", "block_id": "answer", "label": {"type": "plain_text", "text": "Your answer"},
             "element": {"type": "plain_text_input", "action_id": "value", "multiline": True, "max_length": 2000}},
        ],
    }


def grade_text(grade: Grade) -> str:
    """Notification text of a grade."""
    return f"{grade.verdict.capitalize()} ({grade.score:.2f})"


def grade_blocks(question: str, answer: str, grade: Grade) -> list[Block]:
    """A graded answer: verdict and score, the feedback quoting the clause, the reference and its citation."""
    return [
        section(f"{QUIZ_VERDICTS[grade.verdict]} — score {grade.score:.2f}\n*Q:* {esc(question)[:1000]}\n"
                f"*Your answer:* {esc(answer)[:1000]}"),
        *[section(piece) for piece in split_text(esc(grade.feedback))][:5],
        section(f"*Reference answer:* {esc(grade.reference)[:2000]}"),
        context(f"Source: {quiz_where(grade.citation)}"),
    ]
