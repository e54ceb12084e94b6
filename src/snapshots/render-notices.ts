// How notices about production's server read in the human view (kept apart from the code that
// finds them, so command modules can render without loading pg).
import type { ServerNotice } from "../providers/types.js";

export function renderNotices(notices: ServerNotice[]): string[] {
  return notices.flatMap((notice) => [`! ${notice.message}`, ...(notice.hint ? [`  ${notice.hint}`] : [])]);
}
