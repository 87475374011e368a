import type { Delivery } from '../../../api/types';
import { formatInstant } from '../../../forms/datetime';

export function DeliveriesTable({ deliveries }: { deliveries: Delivery[] }) {
  return (
    <div className="table-scroll">
      <table className="deliveries">
        <caption className="visually-hidden">Steps sent so far</caption>
        <thead>
          <tr>
            <th scope="col">Step</th>
            <th scope="col">Due</th>
            <th scope="col">Sent</th>
          </tr>
        </thead>
        <tbody>
          {deliveries.map((delivery) => (
            <tr key={delivery.id}>
              <th scope="row">Step {delivery.position + 1}</th>
              <td>{formatInstant(delivery.due_at, { seconds: true })}</td>
              <td>{formatInstant(delivery.fired_at, { seconds: true })}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
