"""The real consumer reads what ``reflect`` writes: one TRL ``SFTTrainer`` step on the ``sft``
file and one ``DPOTrainer`` step on the ``preference`` file, with a tiny randomly initialised
Llama built from a config and a word-level tokenizer built from the data (nothing downloaded).

Needs the ``trl`` extra (``pip install -e '.[trl]'``; it pins the CPU-sized torch==2.13.0).
"""

from __future__ import annotations

import json

import pytest
from reflectcases import good, reflect_turns_all
from test_dialects import chats

pytestmark = [
    pytest.mark.slow,
    # transformers/trl warn about their own defaults; the project's code is not involved
    pytest.mark.filterwarnings("ignore"),
]
EXTRA = "needs the 'trl' extra: pip install -e '.[trl]'"

TEMPLATE = (
    "{% for m in messages %}<{{ m['role'] }}> {{ m['content'] }} <eos>\n{% endfor %}"
    "{% if add_generation_prompt %}<assistant>{% endif %}"
)


def tokenizer_for(texts: list[str]):
    """A word-level fast tokenizer over the words of ``texts``, with a chat template."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    special = ["<pad>", "<unk>", "<eos>", "<user>", "<assistant>", "<system>"]
    words = sorted({w for t in texts for w in t.replace(".", " . ").split()} - set(special))
    vocab = {w: i for i, w in enumerate(special + words)}
    raw = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))
    raw.pre_tokenizer = pre_tokenizers.Whitespace()
    tok = PreTrainedTokenizerFast(
        tokenizer_object=raw, pad_token="<pad>", unk_token="<unk>", eos_token="<eos>"
    )
    tok.chat_template = TEMPLATE
    return tok


def tiny_model(vocab_size: int):
    from transformers import LlamaConfig, LlamaForCausalLM

    config = LlamaConfig(
        vocab_size=vocab_size,
        hidden_size=16,
        intermediate_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        num_key_value_heads=2,
        max_position_embeddings=512,
        pad_token_id=0,
        eos_token_id=2,
        bos_token_id=2,
    )
    return LlamaForCausalLM(config)


def written(fake_llm, tmp_path, mode: str):
    """The file ``selfreflect reflect --mode MODE --turns all`` wrote, and its lines."""
    fake_llm.handler = lambda r: good("A three-sided coin is hypothetical: here is a roll.")
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps(c.to_record()) + "\n" for c in chats(4)))
    out = tmp_path / f"{mode}.jsonl"
    reflect_turns_all(fake_llm.base_url, src, out, mode)
    return out, [json.loads(x) for x in out.read_text().splitlines()]


def texts_of(lines) -> list[str]:
    return [
        m["content"]
        for x in lines
        for key in ("messages", "prompt", "chosen", "rejected")
        for m in x.get(key, [])
    ]


def test_sft_trainer_takes_a_step_on_the_sft_file(fake_llm, tmp_path):
    pytest.importorskip("torch", reason=EXTRA)
    trl = pytest.importorskip("trl", reason=EXTRA)
    import datasets

    path, lines = written(fake_llm, tmp_path, "sft")
    data = datasets.load_dataset("json", data_files=str(path), split="train")
    tok = tokenizer_for(texts_of(lines))
    args = trl.SFTConfig(
        output_dir=str(tmp_path / "sft-run"),
        max_steps=1,
        per_device_train_batch_size=4,
        report_to=[],
        save_strategy="no",
        use_cpu=True,
        logging_steps=1,
        max_length=256,
        dataloader_num_workers=0,
    )
    trainer = trl.SFTTrainer(
        model=tiny_model(len(tok)), args=args, train_dataset=data, processing_class=tok
    )
    result = trainer.train()
    assert result.global_step == 1 and result.training_loss > 0


def test_dpo_trainer_takes_a_step_on_the_preference_file(fake_llm, tmp_path):
    pytest.importorskip("torch", reason=EXTRA)
    trl = pytest.importorskip("trl", reason=EXTRA)
    import datasets

    path, lines = written(fake_llm, tmp_path, "preference")
    data = datasets.load_dataset("json", data_files=str(path), split="train")
    tok = tokenizer_for(texts_of(lines))
    args = trl.DPOConfig(
        output_dir=str(tmp_path / "dpo-run"),
        max_steps=1,
        per_device_train_batch_size=4,
        report_to=[],
        save_strategy="no",
        use_cpu=True,
        logging_steps=1,
        max_length=256,
        dataloader_num_workers=0,
    )
    import copy

    model = tiny_model(len(tok))  # the reference model is a frozen copy (nothing to load)
    trainer = trl.DPOTrainer(
        model=model,
        ref_model=copy.deepcopy(model),
        args=args,
        train_dataset=data,
        processing_class=tok,
    )
    result = trainer.train()
    assert result.global_step == 1 and result.training_loss > 0
