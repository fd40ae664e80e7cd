// The pull request comment the action keeps up to date: one comment, found by a hidden marker, that
// always shows the head as it is — the plan when it compiles, the errors when it does not. A head
// that stopped compiling must never leave the last good plan standing.

export const COMMENT_MARKER = '<!-- pjsip-gitops-plan -->';

export interface CommentInput {
  /** `plan --detailed-exitcode`'s exit code: 0 no change, 2 changes, 3 changes the host refuses, 1 error */
  planExitCode: number;
  /** `plan --format markdown`'s stdout: the plan, or the head's errors when it does not compile */
  planMarkdown: string;
  /** `plan`'s stderr (already redacted by plan): shown when plan could not run at all */
  planStderr: string;
  /** post a "no change" comment when none exists yet (an existing one is always updated) */
  commentOnNoChange: boolean;
}

export interface CommentAction {
  body: string;
  /** false: update the existing comment only; post nothing new */
  create: boolean;
}

const fence = (text: string) => {
  const longest = Math.max(2, ...(text.match(/`+/g) ?? []).map((m) => m.length));
  const f = '`'.repeat(longest + 1);
  return `${f}\n${text.trimEnd()}\n${f}`;
};

export function commentFor(input: CommentInput): CommentAction {
  const markdown = input.planMarkdown.trim();
  const withMarker = (body: string) => `${COMMENT_MARKER}\n${body.trimEnd()}\n`;
  switch (input.planExitCode) {
    case 0:
      return { body: withMarker(markdown || '**no change**'), create: input.commentOnNoChange };
    case 2:
    case 3:
      return { body: withMarker(markdown), create: true };
    default:
      // 1 (or anything unexpected): the head does not compile (plan printed its errors as markdown),
      // or plan could not run — either way, the errors replace whatever plan was shown before
      if (markdown) return { body: withMarker(markdown), create: true };
      return {
        body: withMarker(`**pjsip-gitops plan could not run** (exit ${input.planExitCode}); nothing can be predicted for this head.\n\n` +
          fence(input.planStderr.trim().slice(0, 20_000) || '(no output)')),
        create: true,
      };
  }
}
