"""Which poets a poem reads like, measured with the model itself.

The poem is scored under every poet's conditioning in one batch (one row per poet, through the shared
prompt format). From the rows' next-token log-probabilities we fit the blend that best explains the
poem: the weights w (on the simplex) and a sharpness b for which the product of experts
softmax(b * sum_i w_i log p_i) gives the poem's tokens the highest likelihood. That is exactly the
engine's own blending run backwards, so the fitted weights read on the same scale as the weights a
person sets. The per-poet log-likelihoods are reported too.
"""

from __future__ import annotations

import torch

from poetstudio.analysis.attribution import Attribution
from poetstudio.prompt_format import poet_rows
from poetstudio.runtime.padding import right_pad

MAX_TOKENS = 256  # a poem's first 256 tokens decide; longer ones cost more and change little
CANDIDATES = 16384  # the blend's normaliser sums over this many likeliest tokens per position: the whole
# vocabulary of the shipped model (8,192), so its fit is exact; large-vocabulary bases sum over their top
# 16k, where the rest holds almost no mass. (Only the top 256 lost 4 points of held-out accuracy.)
FIT_ITERATIONS = 100


@torch.inference_mode()
def poet_logprobs(model, tokenizer, text: str, poets: list[str], title: str = "", mood: str | None = None,
                  max_tokens: int = MAX_TOKENS, *, fmt: str) -> tuple[torch.Tensor, torch.Tensor]:
    """Log-probabilities (poets x tokens x vocab, fp32) of each next poem token under each poet, and the
    poem's token ids; one forward pass over a right-padded batch."""
    body = tokenizer.encode(text.strip("\n") + "\n", add_special_tokens=False)[:max_tokens]
    rows, starts = poet_rows(tokenizer, body, poets, title, mood, fmt=fmt)
    ids, mask = right_pad(rows, tokenizer.pad_token_id or 0)
    device = next(model.parameters()).device
    logits = model(input_ids=ids.to(device), attention_mask=mask.to(device)).logits.float().cpu()
    picked = torch.stack([logits[i, s - 1 : s - 1 + len(body)] for i, s in enumerate(starts)])
    return torch.log_softmax(picked, dim=-1), torch.tensor(body, dtype=torch.long)


def candidate_logprobs(logprobs: torch.Tensor, targets: torch.Tensor, k: int = CANDIDATES) -> torch.Tensor:
    """The rows' log-probabilities on each position's likeliest tokens, the true token first: (P, T, 1+k)."""
    k = min(k, logprobs.shape[-1])
    top = logprobs.mean(0).topk(k, dim=-1).indices
    top = torch.where(top == targets[:, None], torch.full_like(top, -1), top)
    index = torch.cat([targets[:, None], top], dim=1)
    gathered = logprobs.gather(-1, index.clamp(min=0).expand(logprobs.shape[0], -1, -1))
    return gathered.masked_fill((index < 0).expand_as(gathered), float("-inf"))


def fit_blend(candidates: torch.Tensor, iterations: int = FIT_ITERATIONS) -> torch.Tensor:
    """Weights on the simplex (one per row) under which the product of experts best predicts the tokens.
    `candidates` is (P, T, C) from candidate_logprobs, with the true token in column 0."""
    rows = candidates.shape[0]
    if rows == 1:
        return torch.ones(1)
    finite = candidates.clamp(min=-1e4)
    logits = torch.zeros(rows, requires_grad=True)
    log_sharpness = torch.zeros(1, requires_grad=True)
    optimiser = torch.optim.LBFGS([logits, log_sharpness], max_iter=iterations, line_search_fn="strong_wolfe")

    def loss() -> torch.Tensor:
        optimiser.zero_grad()
        mixed = log_sharpness.exp() * torch.einsum("p,ptc->tc", torch.softmax(logits, 0), finite)
        value = -(mixed[:, 0] - torch.logsumexp(mixed, dim=-1)).mean()
        value.backward()
        return value

    with torch.enable_grad():
        optimiser.step(loss)
    return torch.softmax(logits.detach(), 0)


def attribute(model, tokenizer, text: str, poets: list[str], title: str = "", mood: str | None = None,
              max_tokens: int = MAX_TOKENS, *, fmt: str) -> Attribution:
    """How much `text` reads like each of `poets` (see the module docstring)."""
    if not text.strip() or not poets:
        return Attribution({p: 1.0 / len(poets) for p in poets} if poets else {}, {}, 0)
    logprobs, targets = poet_logprobs(model, tokenizer, text, poets, title, mood, max_tokens, fmt=fmt)
    if targets.numel() == 0:
        return Attribution({p: 1.0 / len(poets) for p in poets}, {}, 0)
    token_ll = logprobs.gather(-1, targets.expand(len(poets), -1)[..., None]).squeeze(-1)
    weights = fit_blend(candidate_logprobs(logprobs, targets))
    return Attribution({p: float(w) for p, w in zip(poets, weights)},
                       {p: float(v) for p, v in zip(poets, token_ll.mean(1))}, int(targets.numel()))
