/**
 * "Add to calendar" for a task: a Teams deep link that opens the new-meeting form with the
 * subject, time and place (or remote link) filled in. It needs no file, no route and no
 * permission: the person saves it in their own calendar. Times are UTC instants ("Z"), which
 * Teams shows in the user's own time zone.
 */
export interface CalendarEntry {
  subject: string;
  startsAt: Date;
  endsAt: Date;
  /** Where: the address, or the remote meeting link, and anything else worth keeping. */
  content: string;
}

export const TEAMS_NEW_MEETING = 'https://teams.microsoft.com/l/meeting/new';

export function teamsCalendarLink(e: CalendarEntry): string {
  const q = new URLSearchParams({
    subject: e.subject,
    startTime: e.startsAt.toISOString(),
    endTime: e.endsAt.toISOString(),
    content: e.content,
  });
  // URLSearchParams writes spaces as "+", which Teams shows literally: encode them as %20.
  return `${TEAMS_NEW_MEETING}?${q.toString().replace(/\+/g, '%20')}`;
}
